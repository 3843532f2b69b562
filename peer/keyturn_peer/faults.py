"""Faults on request: answers real KMS, or something between it and the browser, may give
instead of the normal one. Tests set them with `POST /_keyturn/faults`; a reset clears them.

Each fault answers the next `count` requests for one operation (optionally one key), after
authentication, as the real failure would:
- `throttle`: ThrottlingException, HTTP 400, nothing done (kms-api.md §4.2, line 490);
- `internal-after`: the request is carried out, then answered with KMSInternalException, HTTP 500
  (kms-api.md §1.3, line 115), so the client cannot know whether it happened;
- `html-502`: an HTML "502 Bad Gateway" page, nothing done: what a proxy or load balancer in
  front of the endpoint sends when it cannot reach it (kms-api.md §1.3, line 117: any 5xx is a
  server fault, and the body need not be JSON).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from . import errors

THROTTLE = "throttle"
INTERNAL_AFTER = "internal-after"
HTML_502 = "html-502"
KINDS = (THROTTLE, INTERNAL_AFTER, HTML_502)

HTML_502_BODY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Fault:
    operation: str
    kind: str
    remaining: int
    key_id: str | None = None

    def matches(self, operation: str, key_id: str | None) -> bool:
        return (self.remaining > 0 and self.operation == operation
                and (self.key_id is None or self.key_id == key_id))


class Faults:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[Fault] = []

    def add(self, spec: Any) -> Fault:
        """A fault from its JSON form; ValueError says what is wrong with it."""
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        operation, kind = spec.get("operation"), spec.get("fault")
        count, key_id = spec.get("count", 1), spec.get("key_id")
        if not isinstance(operation, str) or not operation:
            raise ValueError("operation must be an operation name, e.g. DescribeKey")
        if kind not in KINDS:
            raise ValueError(f"fault must be one of {', '.join(KINDS)}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        if key_id is not None and not isinstance(key_id, str):
            raise ValueError("key_id must be a string")
        fault = Fault(operation, kind, count, key_id)
        with self.lock:
            self.rules.append(fault)
        return fault

    def take(self, operation: str, key_id: str | None = None) -> str | None:
        """The fault for this request, if one is due (using up one of its count)."""
        with self.lock:
            for fault in self.rules:
                if fault.matches(operation, key_id):
                    fault.remaining -= 1
                    return fault.kind
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{"operation": f.operation, "fault": f.kind, "remaining": f.remaining,
                     "key_id": f.key_id} for f in self.rules if f.remaining > 0]

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()


def html_502() -> tuple[int, list[tuple[str, str]], bytes]:
    """The whole answer of a `html-502` fault (status, headers, body)."""
    return 502, [("Content-Type", "text/html")], HTML_502_BODY


def throttled() -> errors.KmsError:
    return errors.KmsError(
        "ThrottlingException",
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
    )


def internal_after(operation: str) -> errors.KmsError:
    return errors.internal(f"{operation} failed after it was carried out (a fault the test asked for)")
