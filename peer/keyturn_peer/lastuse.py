"""GetKeyLastUsage (docs/kms.md §2.16 GetKeyLastUsage; moto has none: docs/peer.md "Last use").

The peer records a use when a cryptographic operation it passed to moto succeeded: the
operation, the time, the request id and a CloudTrail-style event id. Each key of a multi-Region
set keeps its own (§2.16). ReEncrypt uses two keys and counts for both.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from moto.kms.models import Key

from . import keys

# The operations GetKeyLastUsage reports (its Operation enum, §2.16).
OPERATIONS = frozenset({
    "Decrypt", "DeriveSharedSecret", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GenerateMac",
    "ReEncrypt", "Sign", "Verify", "VerifyMac", "Encapsulate", "Decapsulate",
})
# When the peer's KMS "began tracking": the day the operation appeared in botocore's model
# (2026-04-27). Real KMS does not publish its date; keys older than it read "unknown before".
TRACKING_START = dt.datetime(2026, 4, 27, tzinfo=dt.timezone.utc).timestamp()


def record(key: Key, operation: str, at: float, request_id: str) -> None:
    keys.extra(keys.rotation_owner(key)).last_use[key.arn] = {
        "Operation": operation,
        "Timestamp": at,
        "CloudTrailEventId": str(uuid.uuid4()),
        "KmsRequestId": request_id,
    }


def used_keys(op: str, request: dict[str, Any], response: Any) -> list[str]:
    """The key ARNs or ids a successful `op` used (its response names them)."""
    if op not in OPERATIONS or not isinstance(response, dict):
        return []
    found = [response.get("KeyId")]
    if op == "ReEncrypt":
        found.append(response.get("SourceKeyId"))
    return [k for k in found if isinstance(k, str) and k]


def answer(key: Key) -> dict[str, Any]:
    """GetKeyLastUsage output: KeyLastUsage is an empty object when the key was not used since
    tracking began; TrackingStartDate is the later of that and the key's creation (§2.16)."""
    use = keys.extra(keys.rotation_owner(key)).last_use.get(key.arn)
    return {
        "KeyId": key.id,
        "KeyLastUsage": dict(use) if use else {},
        "TrackingStartDate": max(TRACKING_START, key.creation_date),
        "KeyCreationDate": key.creation_date,
    }
