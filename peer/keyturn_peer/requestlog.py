"""The request log: every AWS request that passed authentication, in the order the peer handled
it, so a test can check what a client really sent (how many RotateKeyOnDemand calls for a key,
whether a retry happened, which Region). `GET /_keyturn/requests` reads it, `DELETE` and a reset
clear it. Preflights, control endpoints and anonymous S3 reads are not requests to AWS here.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

# Enough for any test between two resets; the oldest entries go first.
MAX_ENTRIES = 20000


def entry(operation: str, key_id: Any, account: str, region: str, request_id: str,
          at: float, access_key_id: str) -> dict[str, Any]:
    """A new entry; the front fills in status, fault and error once it has answered, and for
    AssumeRole the role asked for and the session issued."""
    return {
        "operation": operation,
        "key_id": key_id if isinstance(key_id, str) else None,  # as sent: ID, ARN or alias
        "account": account,
        "region": region,
        # The access key id the request was signed with (never the secret or the token), so a
        # test can tell which session signed it, e.g. a renewed role session.
        "access_key_id": access_key_id,
        "status": None,
        "fault": None,
        "error": None,
        "request_id": request_id,
        "at": at,
        # AssumeRole only: the RoleArn sent, and the session issued,
        # {"access_key_id", "expiration" (epoch seconds)}, or None when none was.
        "role_arn": None,
        "issued": None,
    }


def _matches(row: dict[str, Any], operation: str | None, key_id: str | None) -> bool:
    if operation is not None and row["operation"] != operation:
        return False
    if key_id is not None:
        sent = row["key_id"] or ""
        # A key ID also matches the key ARN that names it.
        if sent != key_id and not sent.endswith(f":key/{key_id}"):
            return False
    return True


class RequestLog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)

    def add(self, row: dict[str, Any]) -> None:
        with self.lock:
            self.rows.append(row)

    def list(self, operation: str | None = None, key_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.rows if _matches(r, operation, key_id)]

    def clear(self) -> None:
        with self.lock:
            self.rows.clear()
