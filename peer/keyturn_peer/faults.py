"""Faults on request: answers real KMS, or something between it and the browser, may give
instead of the normal one. Tests set them with `POST /_keyturn/faults`; a reset clears them.

Each fault answers the next `count` requests for one operation (optionally one key), after
authentication, as the real failure would:
- `throttle`: ThrottlingException, HTTP 400, nothing done (docs/kms.md §4.1 The quotas);
- `internal-after`: the request is carried out, then answered with KMSInternalException, HTTP 500
  (docs/kms.md §1.6 Error responses), so the client cannot know whether it happened;
- `html-502`: an HTML "502 Bad Gateway" page, nothing done: what a proxy or load balancer in
  front of the endpoint sends when it cannot reach it (docs/kms.md §1.6 Error responses: any
  5xx is a server fault, and the body need not be JSON);
- `bad-body`: the request is carried out, then answered 200 with a body cut short (not JSON, or
  for STS not XML): a connection that broke half way through the answer;
- `cut-body`: the request is carried out, then a 200 whose headers promise the whole body but
  whose connection closes half way through it (the client gets a status, then a read error);
- `drop-after`: the request is carried out, then the connection is closed without any answer
  (a connection error, which the SDKs retry: docs/kms.md §4.4 Retry rules in detail);
- `slow`: the request is carried out, and the normal answer is sent `delay_ms` later (default
  35 s, longer than the console's 30 s fetch timeout). Other requests are served meanwhile;
- `no-date-cors`: the normal answer, but `Access-Control-Expose-Headers` leaves out `Date`, so a
  browser cannot read the server's clock (KMS exposes it: docs/kms.md §4.5 Clock skew);
- `no-cors`: the normal answer (the request is carried out), without any `Access-Control-*`
  header, so a browser's CORS check fails and the script sees a network error, as with an
  endpoint that does not allow browsers (Organizations, for example).

The operation is a KMS operation, an STS Action or an Organizations operation (`ListAccounts`);
each protocol gets its own codes for `throttle` and `internal-after` (front.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from . import errors

THROTTLE = "throttle"
INTERNAL_AFTER = "internal-after"
HTML_502 = "html-502"
BAD_BODY = "bad-body"
DROP_AFTER = "drop-after"
CUT_BODY = "cut-body"
SLOW = "slow"
NO_DATE_CORS = "no-date-cors"
NO_CORS = "no-cors"
KINDS = (THROTTLE, INTERNAL_AFTER, HTML_502, BAD_BODY, DROP_AFTER, CUT_BODY, SLOW, NO_DATE_CORS,
         NO_CORS)
# Longer than the console's 30 s fetch timeout, so the console gives up first.
DEFAULT_SLOW_MS = 35000.0

HTML_502_BODY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
# The start of a KMS answer, cut off inside the first string.
BAD_JSON_BODY = b'{"KeyId": "'


@dataclass
class Fault:
    operation: str
    kind: str
    remaining: int
    key_id: str | None = None
    delay_ms: float | None = None  # `slow` only

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
        delay_ms = spec.get("delay_ms")
        if not isinstance(operation, str) or not operation:
            raise ValueError("operation must be an operation name, e.g. DescribeKey")
        if kind not in KINDS:
            raise ValueError(f"fault must be one of {', '.join(KINDS)}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        if key_id is not None and not isinstance(key_id, str):
            raise ValueError("key_id must be a string")
        if delay_ms is not None:
            if kind != SLOW:
                raise ValueError("delay_ms applies only to the slow fault")
            if isinstance(delay_ms, bool) or not isinstance(delay_ms, (int, float)) or delay_ms < 0:
                raise ValueError("delay_ms must be a number >= 0")
        if kind == SLOW and delay_ms is None:
            delay_ms = DEFAULT_SLOW_MS
        fault = Fault(operation, kind, count, key_id,
                      float(delay_ms) if delay_ms is not None else None)
        with self.lock:
            self.rules.append(fault)
        return fault

    def take(self, operation: str, key_id: str | None = None) -> Fault | None:
        """The fault for this request, if one is due (using up one of its count)."""
        with self.lock:
            for fault in self.rules:
                if fault.matches(operation, key_id):
                    fault.remaining -= 1
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self.lock:
            out = []
            for f in self.rules:
                if f.remaining <= 0:
                    continue
                row: dict[str, Any] = {"operation": f.operation, "fault": f.kind,
                                       "remaining": f.remaining, "key_id": f.key_id}
                if f.delay_ms is not None:
                    row["delay_ms"] = f.delay_ms
                out.append(row)
            return out

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()


def kind(fault: Fault | None) -> str | None:
    return fault.kind if fault is not None else None


def html_502() -> tuple[int, list[tuple[str, str]], bytes]:
    """The whole answer of a `html-502` fault (status, headers, body)."""
    return 502, [("Content-Type", "text/html")], HTML_502_BODY


def bad_kms_body(content_type: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """The answer of a `bad-body` fault on KMS: 200, the JSON content type, truncated JSON."""
    return 200, [("Content-Type", content_type)], BAD_JSON_BODY


def bad_query_body(action: str, json_wanted: bool) -> tuple[int, list[tuple[str, str]], bytes]:
    """The answer of a `bad-body` fault on STS: the start of the document it would send."""
    if json_wanted:
        return 200, [("Content-Type", "application/json")], f'{{"{action}Response": {{'.encode()
    return 200, [("Content-Type", "text/xml")], (
        f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<{action}Result><"
    ).encode()


def throttled() -> errors.KmsError:
    return errors.KmsError(
        "ThrottlingException",
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
    )


def internal_after(operation: str) -> errors.KmsError:
    return errors.internal(f"{operation} failed after it was carried out (a fault the test asked for)")
