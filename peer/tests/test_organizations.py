"""Organizations ListAccounts (JSON 1.1, signed for `organizations` in us-east-1): the shape,
paging, who may call it, and the faults a browser test needs (no CORS headers)."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from conftest import Creds, Fleet, Peer

A, B, C, D = "123456789012", "210987654321", "345678901234", "456789012345"
TARGET = "AWSOrganizationsV20161128.ListAccounts"
ORG_ARN = re.compile(r"^arn:aws:organizations::123456789012:account/o-[a-z0-9]{10,32}/(\d{12})$")
EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


def list_accounts(fleet: Fleet, payload: dict | None = None, creds: Creds | None = None,
                  **kw: object):
    return fleet.signed(TARGET, payload or {}, service="organizations", creds=creds, **kw)


def assume(fleet: Fleet, account: str) -> Creds:
    return fleet.assume(f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole")


def test_management_account_lists_the_organisation(fleet: Fleet) -> None:
    reply = list_accounts(fleet)
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/x-amz-json-1.1"
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-expose-headers"] == EXPOSE
    doc = reply.json()
    assert "NextToken" not in doc
    accounts = doc["Accounts"]
    assert [a["Id"] for a in accounts] == [A, B, C, D]
    assert [a["Name"] for a in accounts] == ["keyturn-demo-management", "keyturn-demo-workloads",
                                             "keyturn-demo-sandbox", "keyturn-demo-legacy"]
    for a in accounts:
        assert set(a) == {"Id", "Arn", "Email", "Name", "Status", "State", "JoinedMethod",
                          "JoinedTimestamp"}
        assert ORG_ARN.match(a["Arn"]).group(1) == a["Id"]
        assert (a["Status"], a["State"]) == ("ACTIVE", "ACTIVE")
        assert a["JoinedMethod"] in ("INVITED", "CREATED")
        assert isinstance(a["JoinedTimestamp"], float)
        assert re.fullmatch(r"[^\s@]+@[^\s@]+\.[^\s@]+", a["Email"])
    # boto3 reads the same answer (its Organizations client, endpoint and signing).
    client = fleet.client("organizations")
    assert [a["Id"] for a in client.list_accounts()["Accounts"]] == [A, B, C, D]
    rows = fleet.peer.requests(operation="ListAccounts")
    assert [(r["account"], r["region"], r["status"]) for r in rows] == [
        (A, "us-east-1", 200), (A, "us-east-1", 200)]


def test_pages_of_twenty_with_org_extra(peer: Peer, fleet: Fleet) -> None:
    f = Fleet(peer, peer.reset(org_extra=25), fleet.home)
    first = list_accounts(f).json()
    assert len(first["Accounts"]) == 20 and first["NextToken"]
    second = list_accounts(f, {"NextToken": first["NextToken"]}).json()
    assert len(second["Accounts"]) == 9 and "NextToken" not in second
    ids = [a["Id"] for a in first["Accounts"] + second["Accounts"]]
    assert len(ids) == len(set(ids)) == 29
    extras = [a for a in first["Accounts"] + second["Accounts"] if a["Id"].startswith("5")]
    assert [a["Id"] for a in extras] == [str(500000000000 + i) for i in range(1, 26)]
    assert [a["Name"] for a in extras] == [f"keyturn-demo-extra-{i:02d}" for i in range(1, 26)]
    # Smaller pages, and boto3's paginator follows NextToken.
    pages = f.client("organizations").get_paginator("list_accounts").paginate(
        PaginationConfig={"PageSize": 7})
    sizes = [len(p["Accounts"]) for p in pages]
    assert sizes == [7, 7, 7, 7, 1]
    # The extra accounts are reachable (their role trusts the management account) and empty.
    extra = assume(f, "500000000007")
    assert f.kms_call("ListKeys", creds=extra).json()["Keys"] == []
    fleet_doc = peer.control("GET", "fleet")
    assert len(fleet_doc["accounts"]) == 29
    assert fleet_doc["accounts"][-1]["key_counts"] == {"us-east-1": 0, "us-west-2": 0}


def test_bad_max_results_and_next_token(fleet: Fleet) -> None:
    for limit, reason in ((0, "MIN_VALUE_EXCEEDED"), (21, "MAX_VALUE_EXCEEDED")):
        reply = list_accounts(fleet, {"MaxResults": limit})
        assert reply.status == 400
        assert reply.json()["__type"] == "InvalidInputException"
        assert reply.json()["Reason"] == reason
    assert len(list_accounts(fleet, {"MaxResults": 20}).json()["Accounts"]) == 4
    for token in ("garbage", "eyJzY29wZSI6Im5vIiwib2Zmc2V0IjoxfQ=="):
        reply = list_accounts(fleet, {"NextToken": token})
        doc = reply.json()
        assert (reply.status, doc["__type"], doc["Reason"]) == (
            400, "InvalidInputException", "INVALID_NEXT_TOKEN")
        assert doc["Message"].startswith("The NextToken is not valid.")
    client = fleet.client("organizations")
    with pytest.raises(ClientError) as info:
        client.list_accounts(NextToken="garbage")
    assert info.value.response["Error"]["Code"] == "InvalidInputException"


def test_member_accounts_and_the_user_are_denied(fleet: Fleet) -> None:
    for creds in (assume(fleet, B), assume(fleet, C), fleet.user_creds()):
        reply = list_accounts(fleet, creds=creds)
        assert reply.status == 400
        assert reply.json() == {"__type": "AccessDeniedException",
                                "Message": "You don't have permissions to access this resource."}
        assert reply.headers["x-amzn-errortype"] == "AccessDeniedException"
    rows = fleet.peer.requests(operation="ListAccounts")
    assert [(r["account"], r["error"]) for r in rows] == [
        (B, "AccessDeniedException"), (C, "AccessDeniedException"), (A, "AccessDeniedException")]


def test_no_organisation_with_seed_none(peer: Peer, fleet: Fleet) -> None:
    f = Fleet(peer, peer.reset(seed="none"), fleet.home)
    reply = list_accounts(f)
    assert reply.status == 400
    assert reply.json() == {"__type": "AWSOrganizationsNotInUseException",
                            "Message": "Your account is not a member of an organization."}
    doc = peer.control("GET", "fleet")
    assert doc["management"] is None and doc["denied_regions"] == []
    assert [a["id"] for a in doc["accounts"]] == [A]
    # Without an organisation the management account's principals assume nothing outside it.
    reply = f.sts_call({"Action": "AssumeRole", "RoleSessionName": "xx",
                        "RoleArn": f"arn:aws:iam::{B}:role/OrganizationAccountAccessRole"})
    assert reply.status == 403 and b"<Code>AccessDenied</Code>" in reply.body


def test_faults_on_list_accounts(fleet: Fleet) -> None:
    fleet.peer.control("POST", "faults", {"operation": "ListAccounts", "fault": "no-cors"})
    reply = list_accounts(fleet)
    # The answer is there, but a browser may not read it: no Access-Control-* header at all.
    assert reply.status == 200 and len(reply.json()["Accounts"]) == 4
    assert not [h for h in reply.headers if h.startswith("access-control-")]
    assert reply.headers["x-amzn-requestid"]
    again = list_accounts(fleet)
    assert again.headers["access-control-allow-origin"] == "*"
    # The preflight is not a request to the service: it stays open.
    pre = fleet.peer.request("OPTIONS", "/", headers={
        "Origin": "http://127.0.0.1:8080", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target,authorization"})
    assert pre.headers["access-control-allow-origin"] == "*"
    fleet.peer.control("POST", "faults", {"operation": "ListAccounts", "fault": "throttle"})
    throttled = list_accounts(fleet)
    assert throttled.json()["__type"] == "TooManyRequestsException"
    assert throttled.headers["access-control-allow-origin"] == "*"
    fleet.peer.control("POST", "faults", {"operation": "ListAccounts", "fault": "internal-after"})
    failed = list_accounts(fleet)
    assert (failed.status, failed.json()["__type"]) == (500, "ServiceException")
    rows = fleet.peer.requests(operation="ListAccounts")
    assert [(r["fault"], r["error"]) for r in rows] == [
        ("no-cors", None), (None, None), ("throttle", "TooManyRequestsException"),
        ("internal-after", "ServiceException")]
    # no-cors works on KMS too.
    fleet.peer.control("POST", "faults", {"operation": "ListKeys", "fault": "no-cors"})
    kms = fleet.kms_call("ListKeys")
    assert kms.status == 200 and "access-control-allow-origin" not in kms.headers


def test_organizations_authentication(fleet: Fleet) -> None:
    bad = Creds(fleet.creds.access_key_id, "x" * 40, fleet.creds.token)
    reply = list_accounts(fleet, creds=bad)
    assert reply.status == 400
    assert reply.json()["__type"] == "com.amazon.coral.service#InvalidSignatureException"
    assert reply.headers["access-control-allow-origin"] == "*"
    wrong_service = fleet.signed(TARGET, {}, service="kms")
    assert "correct service: 'organizations'" in wrong_service.json()["message"]
    wrong_region = list_accounts(fleet, region="us-west-2")
    assert wrong_region.json()["__type"] == "com.amazon.coral.service#InvalidSignatureException"
    unknown = fleet.signed("AWSOrganizationsV20161128.DeleteOrganization", {},
                           service="organizations")
    assert unknown.json()["__type"] == "com.amazon.coral.service#UnknownOperationException"
    expired = Creds.from_sts(fleet.peer.control("POST", "expire"))
    assert list_accounts(fleet, creds=expired).json()["__type"] == \
        "com.amazon.coral.service#ExpiredTokenException"
    # None of these passed authentication except the unknown operation.
    assert [r["operation"] for r in fleet.peer.requests()] == ["DeleteOrganization"]
