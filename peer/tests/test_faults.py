"""Faults on request (faults.py), cross-checked with the AWS CLI v1: its standard retries absorb
a throttle or a 502, and what `internal-after` did is visible to it."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from conftest import ROTATION_SECONDS, Creds, Fleet, Reply

EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


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
                 {"operation": "ListKeys", "fault": "throttle", "delay_ms": 10},
                 {"operation": "ListKeys", "fault": "slow", "delay_ms": -1},
                 {"operation": "ListKeys", "fault": "slow", "delay_ms": "1s"},
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


def test_bad_body_carries_the_request_out_then_answers_200_without_json(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-manual")
    add_fault(fleet, operation="RotateKeyOnDemand", fault="bad-body", key_id=key)
    reply = fleet.kms_call("RotateKeyOnDemand", {"KeyId": key})
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/x-amz-json-1.1"
    with pytest.raises(ValueError):
        json.loads(reply.body)
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-expose-headers"] == EXPOSE
    assert reply.headers["x-amzn-requestid"]
    # It happened: the rotation is in progress.
    assert "OnDemandRotationStartDate" in fleet.kms().get_key_rotation_status(KeyId=key)
    # On STS the answer is a document cut short.
    add_fault(fleet, operation="GetCallerIdentity", fault="bad-body")
    sts = fleet.signed("", body="Action=GetCallerIdentity&Version=2011-06-15", service="sts")
    assert sts.status == 200 and sts.body.startswith(b"<GetCallerIdentityResponse")
    assert b"</GetCallerIdentityResponse>" not in sts.body


def test_drop_after_closes_the_connection_without_an_answer(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-manual")
    add_fault(fleet, operation="RotateKeyOnDemand", fault="drop-after", key_id=key)
    # A raw client: no HTTP status at all, the connection is closed under it.
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        fleet.kms_call("RotateKeyOnDemand", {"KeyId": key})
    # It happened anyway: the rotation is in progress, and a client that retries is refused.
    assert "OnDemandRotationStartDate" in fleet.kms().get_key_rotation_status(KeyId=key)
    assert fleet.kms_call("RotateKeyOnDemand", {"KeyId": key}).json()["__type"] == \
        "ConflictException"
    add_fault(fleet, operation="ListAliases", fault="drop-after")
    err = fleet.cli_error("kms", "list-aliases", env={"AWS_MAX_ATTEMPTS": "1"})
    assert "Connection was closed before we received a valid response" in err.stderr
    # The CLI retries a dropped connection; the fault is used up, so the retry gets the answer.
    add_fault(fleet, operation="ListAliases", fault="drop-after")
    assert fleet.cli("kms", "list-aliases")["Aliases"]
    assert fleet.peer.control("GET", "faults")["pending"] == []


def test_cut_body_sends_a_200_then_closes_half_way_through_the_body(fleet: Fleet) -> None:
    key = fleet.key_id("alias/demo-manual")
    add_fault(fleet, operation="RotateKeyOnDemand", fault="cut-body", key_id=key)
    # A raw client gets the status and headers, then the body breaks off.
    with pytest.raises(http.client.IncompleteRead):
        fleet.kms_call("RotateKeyOnDemand", {"KeyId": key})
    # It happened: the rotation is in progress.
    assert "OnDemandRotationStartDate" in fleet.kms().get_key_rotation_status(KeyId=key)
    assert fleet.peer.control("GET", "faults")["pending"] == []


def test_slow_delays_the_answer_without_holding_up_other_requests(fleet: Fleet) -> None:
    pending = add_fault(fleet, operation="ListKeys", fault="slow")
    assert pending[0]["delay_ms"] == 35000  # the default: longer than a 30 s fetch timeout
    fleet.peer.control("DELETE", "faults")
    add_fault(fleet, operation="ListKeys", fault="slow", delay_ms=1500)
    out: dict[str, object] = {}

    def slow_call() -> None:
        started = time.monotonic()
        out["reply"] = fleet.kms_call("ListKeys")
        out["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow_call)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    other = fleet.kms_call("DescribeKey", {"KeyId": "alias/demo-manual"})
    assert other.status == 200
    assert time.monotonic() - started < 1.0
    assert thread.is_alive()  # still waiting for its answer
    thread.join(10)
    reply = out["reply"]
    assert isinstance(reply, Reply) and reply.status == 200
    assert reply.json()["Keys"]
    assert out["seconds"] >= 1.5  # type: ignore[operator]
    assert reply.headers["access-control-expose-headers"] == EXPOSE


def test_no_date_cors_hides_the_date_header_from_a_browser(fleet: Fleet) -> None:
    add_fault(fleet, operation="ListKeys", fault="no-date-cors")
    reply = fleet.kms_call("ListKeys")
    assert reply.status == 200 and reply.json()["Keys"]
    assert reply.headers["access-control-expose-headers"] == (
        "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage")
    assert "date" in reply.headers  # sent, but a browser script may not read it
    again = fleet.kms_call("ListKeys")
    assert again.headers["access-control-expose-headers"] == EXPOSE
