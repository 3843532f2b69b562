"""The request log (`/_keyturn/requests`, requestlog.py): what arrived, in order, as an oracle
for tests of clients (here the AWS CLI v1 and its retries)."""

from __future__ import annotations

from conftest import Creds, Fleet

FIELDS = {"operation", "key_id", "account", "region", "access_key_id", "status", "fault", "error",
          "request_id", "at", "role_arn", "issued"}


def test_log_lists_authenticated_requests_in_order(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-manual")
    fleet.peer.control("DELETE", "requests")
    assert fleet.peer.requests() == []
    arn = f"arn:aws:kms:us-east-1:123456789012:key/{key}"
    fleet.cli("kms", "rotate-key-on-demand", "--key-id", arn)
    missing = fleet.kms_call("DescribeKey", {"KeyId": "alias/nope"})
    assert missing.status == 400
    assert fleet.signed("", body="Action=GetCallerIdentity&Version=2011-06-15",
                        service="sts").status == 200
    # Not logged: a bad signature, a preflight, the control endpoints.
    bad = Creds(fleet.creds.access_key_id, "x" * 40, fleet.creds.token)
    assert fleet.kms_call("ListKeys", creds=bad).status == 400
    assert fleet.signed("", body="Action=GetCallerIdentity&Version=2011-06-15", service="sts",
                        creds=bad).status == 403
    fleet.peer.request("OPTIONS", "/", headers={"Origin": "http://a.test",
                                                "Access-Control-Request-Method": "POST"})
    fleet.peer.control("GET", "health")
    rows = fleet.peer.requests()
    assert [(r["operation"], r["key_id"], r["status"], r["error"]) for r in rows] == [
        ("RotateKeyOnDemand", arn, 200, None),
        ("DescribeKey", "alias/nope", 400, "NotFoundException"),
        ("GetCallerIdentity", None, 200, None),
    ]
    assert all(set(r) == FIELDS for r in rows)
    assert all(r["account"] == "123456789012" and r["region"] == "us-east-1" for r in rows)
    assert all(r["access_key_id"] == fleet.creds.access_key_id for r in rows)
    assert all(r["role_arn"] is None and r["issued"] is None for r in rows)
    assert rows[0]["at"] <= rows[1]["at"] <= rows[2]["at"]
    assert rows[1]["request_id"] == missing.headers["x-amzn-requestid"]
    # Filters: operation, and a key ID that also matches the ARN it was sent as.
    assert fleet.peer.requests(operation="DescribeKey") == [rows[1]]
    assert fleet.peer.requests(key_id=key) == [rows[0]]
    assert fleet.peer.requests(operation="RotateKeyOnDemand", key_id="other") == []
    assert fleet.peer.control("DELETE", "requests") == {"requests": []}
    assert fleet.peer.requests() == []
    fleet.kms_call("ListKeys")
    assert len(fleet.peer.requests()) == 1
    fleet.peer.reset()
    assert fleet.peer.requests() == []


def test_log_shows_the_cli_retrying_a_fault_and_a_region(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-multi-region", region="us-west-2")
    fleet.peer.control("DELETE", "requests")
    fleet.peer.control("POST", "faults", {"operation": "DescribeKey", "fault": "throttle",
                                          "key_id": key})
    described = fleet.cli("kms", "describe-key", "--key-id", key, region="us-west-2")
    assert described["KeyMetadata"]["KeyId"] == key
    rows = fleet.peer.requests(operation="DescribeKey", key_id=key)
    assert [(r["status"], r["fault"], r["error"], r["region"]) for r in rows] == [
        (400, "throttle", "ThrottlingException", "us-west-2"),
        (200, None, None, "us-west-2"),
    ]
