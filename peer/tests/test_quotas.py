"""Request quotas (quotas.py; docs/kms.md §4.1 The quotas): a token bucket per account, Region
and operation, off unless asked for. The tests scale the rates down so a few requests reach
them."""

from __future__ import annotations

import json
import sys
import time

from conftest import REPO, Creds, Fleet, Peer

sys.path.insert(0, str(REPO))
from peer.keyturn_peer.quotas import RATES, Quotas  # noqa: E402

NO_RETRIES = {"AWS_MAX_ATTEMPTS": "1"}


def test_off_by_default(fleet: Fleet) -> None:
    health = fleet.peer.control("GET", "health")
    assert (health["quotas"], health["quota_scale"]) == (False, 1)
    key = fleet.key_id("alias/demo-manual")
    # 12 DisableKeyRotation calls at once: far past its 5 per second.
    assert all(fleet.kms_call("DisableKeyRotation", {"KeyId": key}).status == 200
               for _ in range(12))


def test_quota_throttles_per_operation_and_region_and_refills(fleet: Fleet) -> None:
    # Scale 0.2: RotateKeyOnDemand 1 per second, a bucket of one request.
    f = Fleet(fleet.peer, fleet.peer.reset(quotas=True, quota_scale=0.2), fleet.home)
    health = f.peer.control("GET", "health")
    assert (health["quotas"], health["quota_scale"]) == (True, 0.2)
    manual, used = f.key_id("alias/demo-manual"), f.key_id("alias/demo-24-used")
    assert f.kms_call("RotateKeyOnDemand", {"KeyId": manual}).status == 200
    throttled = f.kms_call("RotateKeyOnDemand", {"KeyId": used})
    assert throttled.status == 400
    assert throttled.headers["x-amzn-errortype"] == "ThrottlingException"
    assert throttled.headers["access-control-allow-origin"] == "*"
    # The same answer as the `throttle` fault.
    f.peer.control("POST", "faults", {"operation": "DescribeKey", "fault": "throttle"})
    fault = f.kms_call("DescribeKey", {"KeyId": used})
    assert throttled.json() == fault.json()
    assert throttled.json()["__type"] == "ThrottlingException"
    # Nothing was done.
    assert "OnDemandRotationStartDate" not in f.kms().get_key_rotation_status(KeyId=used)
    # Other operations have their own buckets, and so has another Region (where the replica
    # answers as it always does).
    assert f.kms_call("DescribeKey", {"KeyId": used}).status == 200
    mrk = f.key_id("alias/demo-multi-region")
    west = f.kms_call("RotateKeyOnDemand", {"KeyId": mrk}, region="us-west-2")
    assert west.json()["__type"] == "UnsupportedOperationException"
    # One second refills one request.
    time.sleep(1.05)
    assert f.kms_call("RotateKeyOnDemand", {"KeyId": used}).status == 200
    rows = f.peer.requests(operation="RotateKeyOnDemand")
    assert [(r["status"], r["error"], r["fault"]) for r in rows] == [
        (200, None, None), (400, "ThrottlingException", None),
        (400, "UnsupportedOperationException", None), (200, None, None)]


def test_cli_sees_the_throttle_and_principals_of_one_account_share_a_bucket(fleet: Fleet) -> None:
    # Scale 0.02: DisableKeyRotation 0.1 per second, one request per 10 s.
    f = Fleet(fleet.peer, fleet.peer.reset(quotas=True, quota_scale=0.02), fleet.home)
    key = f.key_id("alias/demo-shared")
    f.cli("kms", "disable-key-rotation", "--key-id", key, env=NO_RETRIES)
    err = f.cli_error("kms", "disable-key-rotation", "--key-id", key, env=NO_RETRIES)
    assert err.code == "ThrottlingException"
    assert "You have exceeded the rate at which you may call KMS" in err.message
    # The IAM user's own keys are another principal of the same account: the same bucket
    # (docs/kms.md §4.1 The quotas: shared by all principals).
    user = f.peer.control("GET", "user")
    as_user = Creds(user["AccessKeyId"], user["SecretAccessKey"])
    err = f.cli_error("kms", "disable-key-rotation", "--key-id", key, creds=as_user, env=NO_RETRIES)
    assert err.code == "ThrottlingException"
    rows = f.peer.requests(operation="DisableKeyRotation")
    assert {r["account"] for r in rows} == {"123456789012"}
    assert [r["error"] for r in rows] == [None, "ThrottlingException", "ThrottlingException"]


def test_bucket_holds_one_second_of_the_rate_and_is_keyed_by_account_region_operation() -> None:
    q = Quotas(enabled=True, scale=1.0)
    # RotateKeyOnDemand: 5 per second, a bucket of 5.
    assert [q.allow("111122223333", "us-east-1", "RotateKeyOnDemand", now=0.0)
            for _ in range(6)] == [True] * 5 + [False]
    assert q.allow("444455556666", "us-east-1", "RotateKeyOnDemand", now=0.0)  # another account
    assert q.allow("111122223333", "eu-west-1", "RotateKeyOnDemand", now=0.0)  # another Region
    assert q.allow("111122223333", "us-east-1", "DisableKeyRotation", now=0.0)  # another operation
    assert not q.allow("111122223333", "us-east-1", "RotateKeyOnDemand", now=0.1)
    assert q.allow("111122223333", "us-east-1", "RotateKeyOnDemand", now=0.2)  # 0.2 s: one more
    # Unlisted operations are not limited.
    assert all(q.allow("111122223333", "us-east-1", "Encrypt", now=0.0) for _ in range(10_000))
    # DescribeKey: 2000 in the first second, not one more.
    assert sum(q.allow("1", "r", "DescribeKey", now=5.0) for _ in range(2001)) == 2000
    assert RATES["ListKeyRotations"] == 100 and RATES["GetKeyLastUsage"] == 5
    # A scale below one request per second still lets one request through.
    q.configure(True, 0.01)
    assert [q.allow("1", "r", "RotateKeyOnDemand", now=0.0) for _ in range(2)] == [True, False]
    assert q.allow("1", "r", "RotateKeyOnDemand", now=20.0)  # 0.05 per second: 20 s
    q.configure(False, 0.01)
    assert all(q.allow("1", "r", "RotateKeyOnDemand", now=0.0) for _ in range(10))


def test_start_up_flags_are_the_reset_defaults(strict_peer: Peer) -> None:
    p = strict_peer  # started with --consistency-seconds 1.5 --quotas --quota-scale 0.5
    health = p.control("GET", "health")
    assert (health["consistency_seconds"], health["quotas"], health["quota_scale"]) == \
        (1.5, True, 0.5)
    p.reset(quotas=False, consistency_seconds=0, quota_scale=2)
    health = p.control("GET", "health")
    assert (health["consistency_seconds"], health["quotas"], health["quota_scale"]) == \
        (0, False, 2)
    p.reset()  # back to the start-up values
    health = p.control("GET", "health")
    assert (health["consistency_seconds"], health["quotas"], health["quota_scale"]) == \
        (1.5, True, 0.5)
    for bad in ({"consistency_seconds": -1}, {"quotas": "yes"}, {"quota_scale": 0},
                {"quota_scale": True}):
        assert p.request("POST", "/_keyturn/reset", json.dumps(bad)).status == 400
