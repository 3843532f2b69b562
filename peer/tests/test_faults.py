"""Faults on request (faults.py), cross-checked with the AWS CLI v1: its standard retries absorb
a throttle or a 502, and what `internal-after` did is visible to it."""

from __future__ import annotations

import json
import time

from conftest import ROTATION_SECONDS, Creds, Fleet


def add_fault(fleet: Fleet, **spec: object) -> list[dict[str, object]]:
    return fleet.peer.control("POST", "faults", spec)["pending"]


def test_throttle_answers_throttling_exception_and_is_used_up(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-manual")
    other = fleet.key_id("alias/demo-auto")
    add_fault(fleet, operation="DescribeKey", fault="throttle", count=2, key_id=key)
    # Another key is not affected.
    assert fleet.kms_call("DescribeKey", {"KeyId": other}).status == 200
    first = fleet.kms_call("DescribeKey", {"KeyId": key})
    assert first.status == 400
    assert first.json()["__type"] == "ThrottlingException"
    assert first.headers["x-amzn-errortype"] == "ThrottlingException"
    # The CLI retries the second throttle and succeeds; then the fault is used up.
    assert fleet.cli("kms", "describe-key", "--key-id", key)["KeyMetadata"]["KeyId"] == key
    assert fleet.kms_call("DescribeKey", {"KeyId": key}).status == 200


def test_throttle_that_outlasts_the_cli_retries(fleet: Fleet) -> None:
    add_fault(fleet, operation="ListKeys", fault="throttle", count=10)
    err = fleet.cli_error("kms", "list-keys")
    assert err.code == "ThrottlingException"


def test_html_502_is_an_html_page_and_changes_nothing(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-manual")
    add_fault(fleet, operation="RotateKeyOnDemand", fault="html-502", key_id=key)
    reply = fleet.kms_call("RotateKeyOnDemand", {"KeyId": key})
    assert reply.status == 502
    assert reply.headers["content-type"] == "text/html"
    assert b"<h1>502 Bad Gateway</h1>" in reply.body
    assert fleet.cli("kms", "list-key-rotations", "--key-id", key)["Rotations"] == []
    status = fleet.cli("kms", "get-key-rotation-status", "--key-id", key)
    assert "OnDemandRotationStartDate" not in status


def test_internal_after_carries_the_request_out_then_answers_500(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-manual")
    add_fault(fleet, operation="RotateKeyOnDemand", fault="internal-after", key_id=key)
    reply = fleet.kms_call("RotateKeyOnDemand", {"KeyId": key})
    assert reply.status == 500
    assert reply.json()["__type"] == "KMSInternalException"
    # It happened: the rotation is in progress, then listed, exactly once.
    assert "OnDemandRotationStartDate" in fleet.cli("kms", "get-key-rotation-status", "--key-id", key)
    time.sleep(ROTATION_SECONDS + 0.5)
    rotations = fleet.cli("kms", "list-key-rotations", "--key-id", key)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]


def test_sts_faults_use_the_query_protocol(fleet: Fleet) -> None:
    add_fault(fleet, operation="GetCallerIdentity", fault="html-502", count=1)
    reply = fleet.signed("", body="Action=GetCallerIdentity&Version=2011-06-15", service="sts")
    assert reply.status == 502 and reply.headers["content-type"] == "text/html"
    add_fault(fleet, operation="GetCallerIdentity", fault="throttle", count=1)
    throttled = fleet.signed("", body="Action=GetCallerIdentity&Version=2011-06-15", service="sts")
    assert throttled.status == 400 and b"<Code>Throttling</Code>" in throttled.body
    assert fleet.cli("sts", "get-caller-identity")["Account"] == "123456789012"


def test_bad_fault_specs_are_refused_and_reset_clears(fleet: Fleet) -> None:
    for spec in ({"operation": "ListKeys", "fault": "explode"},
                 {"fault": "throttle"},
                 {"operation": "ListKeys", "fault": "throttle", "count": 0},
                 {"operation": "ListKeys", "fault": "throttle", "key_id": 7},
                 ["ListKeys"]):
        reply = fleet.peer.request("POST", "/_keyturn/faults", json.dumps(spec))
        assert reply.status == 400, spec
    assert add_fault(fleet, operation="ListKeys", fault="throttle", count=9)[0]["remaining"] == 9
    assert fleet.peer.control("DELETE", "faults")["pending"] == []
    assert fleet.cli("kms", "list-keys")["Keys"]
    add_fault(fleet, operation="ListKeys", fault="throttle", count=9)
    creds = Creds.from_sts(fleet.peer.reset())
    assert fleet.peer.control("GET", "faults")["pending"] == []
    assert fleet.cli("kms", "list-keys", creds=creds)["Keys"]
