"""CORS as real KMS and STS answer it (docs/kms.md §6.3 What KMS and STS answer to a preflight;
docs/peer.md "CORS").

Preflight: 200, `Access-Control-Allow-Origin: *`, `Allow-Methods: POST`, the requested headers
echoed, `Expose-Headers: x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date`,
`Max-Age: 172800`. The allow/expose headers go on every response, errors and 5xx included, so
the browser can read the request id and error type.
"""

from __future__ import annotations

EXPOSE_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
# The `no-date-cors` fault (faults.py): the same list without Date.
EXPOSE_HEADERS_NO_DATE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage"
MAX_AGE = "172800"
KMS_METHODS = "POST"
# S3 paths (the console's static files, uploads from scripts) need more than POST.
S3_METHODS = "GET,PUT,POST,HEAD,DELETE"


class CorsPolicy:
    """`origins=None`: every origin, answered with `*` like real KMS. Otherwise only the listed
    origins get CORS headers, so a browser test can see what an endpoint that does not allow
    the console's origin looks like (the fetch fails with a TypeError)."""

    def __init__(self, origins: list[str] | None = None) -> None:
        self.origins = set(origins) if origins else None

    def allow_origin(self, origin: str | None, always_open: bool = False) -> str | None:
        if self.origins is None or always_open:
            return "*"
        if origin is not None and origin in self.origins:
            return origin
        return None

    def headers(
        self,
        origin: str | None,
        *,
        s3: bool = False,
        preflight: bool = False,
        requested_headers: str | None = None,
        always_open: bool = False,
        expose_date: bool = True,
    ) -> list[tuple[str, str]]:
        allowed = self.allow_origin(origin, always_open)
        if allowed is None:
            return []
        out = [("Access-Control-Allow-Origin", allowed)]
        if allowed != "*":
            out.append(("Vary", "Origin"))
        out.append(("Access-Control-Expose-Headers",
                    EXPOSE_HEADERS if expose_date else EXPOSE_HEADERS_NO_DATE))
        if preflight:
            out.append(("Access-Control-Allow-Methods", S3_METHODS if s3 else KMS_METHODS))
            if requested_headers:
                out.append(("Access-Control-Allow-Headers", requested_headers))  # echoed
            out.append(("Access-Control-Max-Age", MAX_AGE))
        return out
