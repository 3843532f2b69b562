"""Anonymous GET/HEAD of public-read S3 objects, path-style (`/BUCKET/KEY`).

With signature checking on for every request, moto fails on an unsigned S3 request (it reads
the Authorization header unconditionally), so a page cannot be loaded from the peer's S3. The
front serves such objects from moto's S3 backend directly, and only public-read ones.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from moto.s3.models import s3_backends

from .org import MANAGEMENT


def serve(method: str, path: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """The object's response, a 403/404, or None when the path is not `/BUCKET/...`."""
    parts = unquote(path).lstrip("/").split("/", 1)
    if not parts[0]:
        return None
    bucket_name = parts[0]
    key_name = parts[1] if len(parts) > 1 else ""
    if key_name == "" or key_name.endswith("/"):
        key_name += "index.html"  # a site's directory index
    # The console's bucket belongs to the management account (the IAM user uploads it).
    backend = s3_backends[MANAGEMENT]["aws"]
    bucket = backend.buckets.get(bucket_name)
    key: Any = bucket.keys.get(key_name) if bucket is not None else None
    if key is None:
        return 404, [("Content-Type", "application/xml")], _error("NoSuchKey", key_name)
    if key.acl is None or not key.acl.public_read:
        return 403, [("Content-Type", "application/xml")], _error("AccessDenied", "Access Denied")
    body = key.value
    headers = [
        ("Content-Type", key.metadata.get("Content-Type", "binary/octet-stream")),
        ("ETag", key.etag),
        ("Last-Modified", key.last_modified_RFC1123),
        ("Content-Length", str(len(body))),
    ]
    return 200, headers, b"" if method == "HEAD" else body


def _error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()
