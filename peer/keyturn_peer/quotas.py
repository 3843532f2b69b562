"""Request quotas (docs/kms.md §4.1 The quotas), off unless asked for (`--quotas`).

One token bucket per (account, Region, operation): the rates are requests per second per account
and per Region, shared by all principals, and computed independently per operation. A bucket
holds one second of its rate (at least one request) and refills at the rate. A request that
finds it empty is refused with ThrottlingException, HTTP 400, nothing done (also §4.1). `scale`
multiplies every rate, so a test can reach a quota with a few requests (0.1: RotateKeyOnDemand
0.5 per second). Operations not in the table are not limited: that includes Organizations
ListAccounts and STS, for which AWS publishes no request rates (the `throttle` fault gives their
throttling errors). The account is always the caller's own (auth.Caller.account), so two
accounts of the organisation never share a bucket.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

# Default requests per second (docs/kms.md §4.1 The quotas).
RATES: dict[str, float] = {
    "DescribeKey": 2000,
    "ListResourceTags": 2000,
    "GetKeyRotationStatus": 1000,
    "GetKeyPolicy": 1000,
    "ListKeys": 500,
    "ListAliases": 500,
    "ListKeyRotations": 100,
    "EnableKeyRotation": 15,
    "DisableKeyRotation": 5,
    "RotateKeyOnDemand": 5,
    "GetKeyLastUsage": 5,
    # From the 2023 table (docs/kms.md §4.1 The quotas).
    "ImportKeyMaterial": 5,
    "DeleteImportedKeyMaterial": 5,
    "GetParametersForImport": 0.25,
}


@dataclass
class Bucket:
    tokens: float
    stamp: float


class Quotas:
    def __init__(self, enabled: bool = False, scale: float = 1.0) -> None:
        self.lock = threading.Lock()
        self.enabled = enabled
        self.scale = scale
        self.buckets: dict[tuple[str, str, str], Bucket] = {}

    def configure(self, enabled: bool, scale: float) -> None:
        """Switch quotas on or off and set the scale; every bucket starts full again."""
        if not scale > 0:
            raise ValueError("the quota scale must be > 0")
        with self.lock:
            self.enabled = enabled
            self.scale = scale
            self.buckets.clear()

    def rate(self, operation: str) -> float | None:
        base = RATES.get(operation)
        return None if base is None else base * self.scale

    def allow(self, account: str, region: str, operation: str, now: float | None = None) -> bool:
        """Take one request from the bucket; False when it is empty (the caller throttles)."""
        rate = self.rate(operation)
        if not self.enabled or rate is None:
            return True
        now = time.monotonic() if now is None else now
        capacity = max(1.0, rate)  # one second of the rate, at least one request
        with self.lock:
            bucket = self.buckets.get((account, region, operation))
            if bucket is None:
                bucket = self.buckets[(account, region, operation)] = Bucket(capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens < 1.0:
                return False
            bucket.tokens -= 1.0
            return True
