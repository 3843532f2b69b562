"""Real Limit/Marker/Truncated/NextMarker paging (moto returns ListKeys and ListAliases in one
page and answers a bad ListKeyRotations marker with InvalidToken: docs/peer.md "Where moto is
not KMS" and "Rotation, status and paging").

Send `Marker` = the previous `NextMarker`, continue while `Truncated` (docs/kms.md §2.1 Paging).
Markers are opaque: base64 of the list they belong to and an offset, so a marker from another
list, another key or a tampered one gives InvalidMarkerException (docs/kms.md §2.1 Paging,
§2.11 KMS error codes).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Sequence

from . import errors

# LimitType 1..1000 and MarkerType 1..1024 (docs/kms.md §1.3 Responses and data types).
MAX_LIMIT = 1000
MAX_MARKER_LENGTH = 1024


def encode(scope: str, offset: int) -> str:
    """An opaque marker (or NextToken): where the next page of the list `scope` starts."""
    raw = json.dumps({"scope": scope, "offset": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode(marker: Any, scope: str, total: int) -> int | None:
    """The offset a marker of the list `scope` (of `total` items) points at; None when the
    marker is not one the peer gave out for that list."""
    if not isinstance(marker, str) or not marker or len(marker) > MAX_MARKER_LENGTH:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not isinstance(data, dict) or data.get("scope") != scope:
        return None
    offset = data.get("offset")
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 < offset <= total:
        return None
    return offset


def _decode(marker: Any, scope: str, total: int) -> int:
    offset = decode(marker, scope, total)
    if offset is None:
        raise errors.invalid_marker()
    return offset


def validate_limit(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.serialization(f"Limit must be an integer, got {value!r}")
    if value < 1:
        raise errors.validation("limit", value, "Member must have value greater than or equal to 1")
    if value > MAX_LIMIT:
        raise errors.validation(
            "limit", value, f"Member must have value less than or equal to {MAX_LIMIT}"
        )
    return value


def page(
    items: Sequence[dict[str, Any]], params: dict[str, Any], scope: str, default_limit: int
) -> dict[str, Any]:
    """One page: `{"Truncated": bool, "NextMarker"?: str}` plus the caller adds its item list
    under the operation's member name (returned here as "_items")."""
    limit = validate_limit(params.get("Limit"), default_limit)
    start = 0
    if params.get("Marker") is not None:
        start = _decode(params["Marker"], scope, len(items))
    chunk = list(items[start : start + limit])
    end = start + len(chunk)
    out: dict[str, Any] = {"_items": chunk, "Truncated": end < len(items)}
    if end < len(items):
        out["NextMarker"] = encode(scope, end)
    return out
