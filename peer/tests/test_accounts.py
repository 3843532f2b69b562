"""The multi-account organisation (GitHub issue 9 §4): AssumeRole into member accounts, KMS in
the caller's account, the SCP-denied Region, per-account quotas, fleet.json and --bulk-fleet."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import ROTATION_SECONDS, Creds, Fleet, Peer

A, B, C, D = "123456789012", "210987654321", "345678901234", "456789012345"
WEST = "us-west-2"
EU = "eu-west-1"
ACCESS = "OrganizationAccountAccessRole"
B_ROLE = f"arn:aws:iam::{B}:role/{ACCESS}"
C_ROLE = f"arn:aws:iam::{C}:role/{ACCESS}"
D_ROLE = f"arn:aws:iam::{D}:role/{ACCESS}"
AUDIT_ROLE = f"arn:aws:iam::{B}:role/keyturn-audit"
EXTERNAL_ID = "keyturn-demo-external-id"
SESSION_ARN = f"arn:aws:sts::{A}:assumed-role/keyturn-console/keyturn-demo"
# Aliases per scope of the demo organisation (docs/peer.md).
B_EAST = {"alias/workloads-orders", "alias/workloads-inventory", "alias/workloads-analytics",
          "alias/workloads-search", "alias/workloads-batch-legacy", "alias/workloads-queue",
          "alias/workloads-mr-events"}
B_WEST = {"alias/workloads-mr-events", "alias/workloads-west-api", "alias/workloads-west-cache",
          "alias/workloads-west-logs", "alias/workloads-west-ml", "alias/workloads-west-reports",
          "alias/workloads-west-archive"}
C_EAST = {"alias/sandbox-experiments", "alias/sandbox-scratch", "alias/sandbox-app",
          "alias/sandbox-signing"}
C_WEST = {"alias/sandbox-west-test", "alias/sandbox-west-auto", "alias/sandbox-west-rotated",
          "alias/sandbox-west-retired"}


def error_of(call: Any, *args: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value


def code(err: ClientError) -> str:
    return err.response["Error"]["Code"]


def query_error(reply: Any) -> tuple[str, str]:
    """(Code, Message) of a Query-protocol error body."""
    text = reply.body.decode()
    found = re.search(r"<Code>([^<]*)</Code>\s*<Message>([^<]*)</Message>", text)
    assert found, text
    return found.group(1), found.group(2).replace("&amp;", "&")


def list_all_keys(fleet: Fleet, creds: Creds, region: str) -> list[dict[str, Any]]:
    return fleet.client("kms", creds, region).list_keys(Limit=1000)["Keys"]


def aliases(fleet: Fleet, creds: Creds, region: str) -> dict[str, dict[str, Any]]:
    rows = fleet.client("kms", creds, region).list_aliases(Limit=1000)["Aliases"]
    return {a["AliasName"]: a for a in rows}


def test_fleet_json_describes_the_organisation(fleet: Fleet) -> None:
    on_disk = json.loads((fleet.peer.state_dir / "fleet.json").read_text())
    assert on_disk == fleet.peer.control("GET", "fleet")
    assert on_disk["management"] == A
    accounts = {a["id"]: a for a in on_disk["accounts"]}
    assert list(accounts) == [A, B, C, D]
    assert {a: (x["name"], x["assumable"]) for a, x in accounts.items()} == {
        A: ("keyturn-demo-management", True), B: ("keyturn-demo-workloads", True),
        C: ("keyturn-demo-sandbox", True), D: ("keyturn-demo-legacy", False)}
    # The management account's keys are exactly those the existing tests count.
    assert accounts[A]["key_counts"] == {"us-east-1": 21, WEST: 1}
    assert accounts[A]["role_arn"] == f"arn:aws:iam::{A}:role/keyturn-console"
    assert accounts[B]["key_counts"] == {"us-east-1": 7, WEST: 7}
    assert accounts[C]["key_counts"] == {"us-east-1": 4, WEST: 4, EU: 2}
    assert accounts[D]["key_counts"] == {"us-east-1": 2}
    assert accounts[B]["role_arn"] == B_ROLE and accounts[D]["role_arn"] == D_ROLE
    assert on_disk["denied_regions"] == [{"account": C, "region": EU}]
    assert on_disk["external_id_role"] == {"arn": AUDIT_ROLE, "external_id": EXTERNAL_ID}
    sets = {s["account"]: s for s in on_disk["multi_region_sets"]}
    assert sets[A]["primary"]["region"] == "us-east-1"
    assert sets[A]["replicas"] == [{"region": WEST, "key_id": sets[A]["primary"]["key_id"]}]
    assert sets[B]["primary"]["region"] == WEST
    assert sets[B]["replicas"] == [{"region": "us-east-1", "key_id": sets[B]["primary"]["key_id"]}]
    health = fleet.peer.control("GET", "health")
    assert (health["keys"], health["fleet_keys"], health["accounts"]) == (22, 48, 4)


def test_assume_role_into_workloads_sees_only_its_keys(fleet: Fleet) -> None:
    out = fleet.client("sts").assume_role(RoleArn=B_ROLE, RoleSessionName="console-b")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{B}:assumed-role/{ACCESS}/console-b"
    b = Creds.from_sts(out)
    who = fleet.client("sts", b).get_caller_identity()
    assert (who["Account"], who["Arn"]) == (B, f"arn:aws:sts::{B}:assumed-role/{ACCESS}/console-b")
    a_ids = {k["KeyId"] for r in ("us-east-1", WEST) for k in list_all_keys(fleet, fleet.creds, r)}
    for region, expected in (("us-east-1", B_EAST), (WEST, B_WEST)):
        keys = list_all_keys(fleet, b, region)
        assert len(keys) == 7
        assert all(k["KeyArn"] == f"arn:aws:kms:{region}:{B}:key/{k['KeyId']}" for k in keys)
        assert not {k["KeyId"] for k in keys} & a_ids
        names = aliases(fleet, b, region)
        assert set(names) == expected
        assert all(a["AliasArn"] == f"arn:aws:kms:{region}:{B}:{n}" for n, a in names.items())
    primary = fleet.client("kms", b, WEST).describe_key(KeyId="alias/workloads-mr-events")
    md = primary["KeyMetadata"]
    assert md["AWSAccountId"] == B and md["MultiRegionConfiguration"]["MultiRegionKeyType"] == \
        "PRIMARY"
    assert md["MultiRegionConfiguration"]["ReplicaKeys"] == [
        {"Arn": f"arn:aws:kms:us-east-1:{B}:key/{md['KeyId']}", "Region": "us-east-1"}]
    replica = fleet.client("kms", b).describe_key(KeyId="alias/workloads-mr-events")["KeyMetadata"]
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    disabled = fleet.client("kms", b).describe_key(KeyId="alias/workloads-batch-legacy")
    assert disabled["KeyMetadata"]["KeyState"] == "Disabled"
    # The management account's aliases mean nothing in B.
    err = error_of(fleet.client("kms", b).describe_key, KeyId="alias/demo-auto")
    assert code(err) == "NotFoundException"
    # The request log carries the caller's account.
    rows = fleet.peer.requests(operation="ListKeys")
    assert [r["account"] for r in rows][-2:] == [B, B]
    assert fleet.peer.requests(operation="AssumeRole")[-1]["account"] == A


def test_cross_account_key_arns_are_not_found(fleet: Fleet) -> None:
    b = fleet.assume(B_ROLE)
    a_key = fleet.kms().describe_key(KeyId="alias/demo-auto")["KeyMetadata"]["Arn"]
    for op in ("DescribeKey", "GetKeyRotationStatus", "ListKeyRotations", "RotateKeyOnDemand"):
        reply = fleet.kms_call(op, {"KeyId": a_key}, creds=b)
        assert reply.status == 400 and reply.json()["__type"] == "NotFoundException", op
    b_key = fleet.client("kms", b).describe_key(KeyId="alias/workloads-orders")["KeyMetadata"]
    reply = fleet.kms_call("DescribeKey", {"KeyId": b_key["Arn"]})
    assert reply.json()["__type"] == "NotFoundException"
    # The bare key ID of another account's key names nothing either.
    assert fleet.kms_call("DescribeKey", {"KeyId": b_key["KeyId"]}).json()["__type"] == \
        "NotFoundException"


def test_assume_role_refusals_are_access_denied(fleet: Fleet) -> None:
    # D's role exists but does not trust the management account.
    reply = fleet.sts_call({"Action": "AssumeRole", "RoleArn": D_ROLE, "RoleSessionName": "x-d"})
    assert reply.status == 403
    assert query_error(reply) == ("AccessDenied", f"User: {SESSION_ARN} is not authorized to "
                                                  f"perform: sts:AssumeRole on resource: {D_ROLE}")
    assert "<Type>Sender</Type>" in reply.body.decode()
    assert reply.headers["access-control-allow-origin"] == "*"
    # A role that does not exist, and an account the peer does not know: the same answer.
    for arn in (f"arn:aws:iam::{B}:role/nope", "arn:aws:iam::999999999999:role/" + ACCESS):
        reply = fleet.sts_call({"Action": "AssumeRole", "RoleArn": arn, "RoleSessionName": "xx"})
        assert (reply.status, query_error(reply)[0]) == (403, "AccessDenied"), arn
    # B's session may not assume anything (its role allows kms:* and GetCallerIdentity only).
    b = fleet.assume(B_ROLE)
    err = error_of(fleet.client("sts", b).assume_role, RoleArn=C_ROLE, RoleSessionName="b-c")
    assert code(err) == "AccessDenied"
    rows = fleet.peer.requests(operation="AssumeRole")
    assert [(r["account"], r["status"], r["error"]) for r in rows][:1] == [
        (A, 403, "AccessDenied")]


def test_external_id_role(fleet: Fleet) -> None:
    sts = fleet.client("sts")
    for extra in ({}, {"ExternalId": "wrong-external-id"}):
        err = error_of(sts.assume_role, RoleArn=AUDIT_ROLE, RoleSessionName="audit", **extra)
        assert code(err) == "AccessDenied", extra
        assert err.response["Error"]["Message"] == (
            f"User: {SESSION_ARN} is not authorized to perform: sts:AssumeRole on resource: "
            f"{AUDIT_ROLE}")
    out = sts.assume_role(RoleArn=AUDIT_ROLE, RoleSessionName="audit", ExternalId=EXTERNAL_ID)
    audit = Creds.from_sts(out)
    who = fleet.client("sts", audit).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{B}:assumed-role/keyturn-audit/audit"
    keys = list_all_keys(fleet, audit, WEST)
    assert len(keys) == 7 and all(f":{B}:" in k["KeyArn"] for k in keys)
    # The audit role reads KMS, and changes nothing.
    kms = fleet.client("kms", audit, WEST)
    key = kms.describe_key(KeyId="alias/workloads-west-cache")["KeyMetadata"]["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    err = error_of(kms.rotate_key_on_demand, KeyId=key)
    assert code(err) == "AccessDeniedException"
    # ExternalId 2..1224 characters.
    reply = fleet.sts_call({"Action": "AssumeRole", "RoleArn": AUDIT_ROLE,
                            "RoleSessionName": "audit", "ExternalId": "k"})
    assert query_error(reply) == ("ValidationError", "1 validation error detected: Value 'k' at "
                                  "'externalId' failed to satisfy constraint: Member must have "
                                  "length greater than or equal to 2")


def test_session_name_and_duration_limits(fleet: Fleet) -> None:
    def assume(creds: Creds | None = None, **params: Any) -> Any:
        base = {"Action": "AssumeRole", "RoleArn": B_ROLE, "RoleSessionName": "limits"}
        return fleet.sts_call({**base, **params}, creds=creds)

    for name, constraint in (
        ("has space", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
        ("x", "Member must have length greater than or equal to 2"),
        ("n" * 65, "Member must have length less than or equal to 64"),
        ("caf\u00e9", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
    ):
        reply = assume(RoleSessionName=name)
        assert reply.status == 400, name
        assert query_error(reply) == ("ValidationError", f"1 validation error detected: Value "
                                      f"'{name}' at 'roleSessionName' failed to satisfy "
                                      f"constraint: {constraint}"), name
    ok = assume(RoleSessionName="a.b-c_d=e,f@g+h")
    assert ok.status == 200
    reply = assume(DurationSeconds="899")
    assert query_error(reply)[1].endswith("at 'durationSeconds' failed to satisfy constraint: "
                                          "Member must have value greater than or equal to 900")
    two = assume(DurationSeconds="899", RoleSessionName="x")
    assert query_error(two)[1].startswith("2 validation errors detected: ")
    # The fleet's credentials are a role session, so this is role chaining: one hour at most.
    chained = assume(DurationSeconds="3601")
    assert query_error(chained) == ("ValidationError", "The requested DurationSeconds exceeds the "
                                    "1 hour session limit for roles assumed by role chaining.")
    hour = assume(DurationSeconds="3600")
    assert hour.status == 200
    # The IAM user is not a session: its limit is the role's MaxSessionDuration (3600 for B's
    # access role, 43200 for the audit role).
    user = fleet.user_creds()
    reply = assume(creds=user, DurationSeconds="3601")
    assert query_error(reply) == ("ValidationError", "The requested DurationSeconds exceeds the "
                                  "MaxSessionDuration set for this role.")
    out = fleet.client("sts", user).assume_role(RoleArn=AUDIT_ROLE, RoleSessionName="long",
                                                ExternalId=EXTERNAL_ID, DurationSeconds=7200)
    left = out["Credentials"]["Expiration"].timestamp() - time.time()
    assert 7100 < left <= 7200
    err = error_of(fleet.client("sts").assume_role, RoleArn=AUDIT_ROLE, RoleSessionName="long",
                   ExternalId=EXTERNAL_ID, DurationSeconds=7200)
    assert code(err) == "ValidationError" and "role chaining" in err.response["Error"]["Message"]
    # The user reaches C too (C's role trusts the whole management account).
    c = fleet.assume(C_ROLE, creds=user)
    assert fleet.client("sts", c).get_caller_identity()["Account"] == C


def test_assume_role_answers_json_when_asked(fleet: Fleet) -> None:
    reply = fleet.sts_call({"Action": "AssumeRole", "RoleArn": B_ROLE, "RoleSessionName": "js"},
                           accept_json=True)
    assert reply.status == 200
    result = reply.json()["AssumeRoleResponse"]["AssumeRoleResult"]
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{B}:assumed-role/{ACCESS}/js"
    assert set(result["Credentials"]) == {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                          "Expiration"}


def test_sandbox_kms_is_denied_in_eu_west_1(fleet: Fleet) -> None:
    c = fleet.assume(C_ROLE, session="sandbox")
    caller = f"arn:aws:sts::{C}:assumed-role/{ACCESS}/sandbox"
    assert set(aliases(fleet, c, "us-east-1")) == C_EAST
    assert set(aliases(fleet, c, WEST)) == C_WEST
    for op, payload in (("ListKeys", {}), ("DescribeKey", {"KeyId": "alias/sandbox-eu-data"}),
                        ("ListAliases", {})):
        reply = fleet.kms_call(op, payload, creds=c, region=EU)
        assert reply.status == 400
        assert reply.json() == {
            "__type": "AccessDeniedException",
            "message": f"User: {caller} is not authorized to perform: kms:{op} with an explicit "
                       f"deny in a service control policy"}, op
        assert reply.headers["x-amzn-errortype"] == "AccessDeniedException"
    rows = fleet.peer.requests(operation="ListKeys")
    assert (rows[-1]["account"], rows[-1]["region"], rows[-1]["error"]) == (
        C, EU, "AccessDeniedException")
    # Only KMS is denied, only there, and only for C.
    assert fleet.client("sts", c, EU).get_caller_identity()["Account"] == C
    assert fleet.kms_call("ListKeys", creds=fleet.creds, region=EU).json()["Keys"] == []
    assert fleet.kms_call("ListKeys", creds=fleet.assume(B_ROLE), region=EU).status == 200


def test_rotation_in_workloads_changes_only_workloads(fleet: Fleet) -> None:
    def a_rotations() -> dict[str, int]:
        counts = {}
        for region in ("us-east-1", WEST):
            kms = fleet.client("kms", region=region)
            for k in list_all_keys(fleet, fleet.creds, region):
                try:
                    counts[k["KeyArn"]] = len(kms.list_key_rotations(KeyId=k["KeyId"],
                                                                     Limit=1000)["Rotations"])
                except ClientError:
                    counts[k["KeyArn"]] = -1
        return counts

    before = a_rotations()
    b = fleet.assume(B_ROLE)
    kms = fleet.client("kms", b, WEST)
    key = kms.describe_key(KeyId="alias/workloads-west-cache")["KeyMetadata"]["KeyId"]
    assert kms.list_key_rotations(KeyId=key)["Rotations"] == []
    assert kms.rotate_key_on_demand(KeyId=key)["KeyId"] == key
    assert "OnDemandRotationStartDate" in kms.get_key_rotation_status(KeyId=key)
    time.sleep(ROTATION_SECONDS + 0.3)
    rows = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert [(r["KeyId"], r["RotationType"], r["KeyMaterialState"]) for r in rows] == [
        (key, "ON_DEMAND", "CURRENT")]
    # The key does not exist in the management account, whose rotations are as they were.
    assert fleet.kms_call("ListKeyRotations", {"KeyId": key}, region=WEST).json()["__type"] == \
        "NotFoundException"
    assert a_rotations() == before
    logged = fleet.peer.requests(operation="RotateKeyOnDemand")
    assert [(r["account"], r["region"], r["status"]) for r in logged] == [(B, WEST, 200)]


def test_quotas_are_separate_per_account(fleet: Fleet) -> None:
    # Scale 0.002: ListKeys 1 per second, a bucket of one request.
    f = Fleet(fleet.peer, fleet.peer.reset(quotas=True, quota_scale=0.002), fleet.home)
    b = f.assume(B_ROLE)
    assert f.kms_call("ListKeys").status == 200
    throttled = f.kms_call("ListKeys")
    assert throttled.json()["__type"] == "ThrottlingException"
    # B's principals have their own bucket; so has the user's account, A, shared with its role.
    assert f.kms_call("ListKeys", creds=b).status == 200
    assert f.kms_call("ListKeys", creds=b).json()["__type"] == "ThrottlingException"
    assert f.kms_call("ListKeys", creds=f.user_creds()).json()["__type"] == "ThrottlingException"
    rows = f.peer.requests(operation="ListKeys")
    assert [(r["account"], r["error"]) for r in rows] == [
        (A, None), (A, "ThrottlingException"), (B, None), (B, "ThrottlingException"),
        (A, "ThrottlingException")]


def test_aws_cli_assumes_a_role_and_lists_the_member_accounts_keys(fleet: Fleet) -> None:
    out = fleet.cli("sts", "assume-role", "--role-arn", B_ROLE, "--role-session-name", "cli-b")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{B}:assumed-role/{ACCESS}/cli-b"
    keys = fleet.cli("kms", "list-keys", region=WEST, creds=Creds.from_sts(out))["Keys"]
    assert len(keys) == 7
    assert all(k["KeyArn"].startswith(f"arn:aws:kms:{WEST}:{B}:key/") for k in keys)
    err = fleet.cli_error("sts", "assume-role", "--role-arn", D_ROLE, "--role-session-name", "cli-d")
    assert err.code == "AccessDenied"


def test_bulk_fleet_adds_keys_to_each_of_six_scopes(peer: Peer, fleet: Fleet) -> None:
    base = {(a["id"], r): n for a in fleet.peer.control("GET", "fleet")["accounts"]
            for r, n in a["key_counts"].items()}
    f = Fleet(peer, peer.reset(bulk_fleet=50), fleet.home)
    counts = {(a["id"], r): n for a in peer.control("GET", "fleet")["accounts"]
              for r, n in a["key_counts"].items()}
    scopes = [(acct, r) for acct in (A, B, C) for r in ("us-east-1", WEST)]
    assert {s: counts[s] - base[s] for s in counts} == {s: 50 if s in scopes else 0
                                                        for s in counts}
    creds = {A: f.creds, B: f.assume(B_ROLE), C: f.assume(C_ROLE)}
    for acct, region in scopes:
        keys = list_all_keys(f, creds[acct], region)
        assert len(keys) == base[(acct, region)] + 50, (acct, region)
        names = aliases(f, creds[acct], region)
        assert sum(1 for n in names if re.fullmatch(r"alias/fleet-\d{4}", n)) == 50
    assert f.client("kms", creds[C], WEST).describe_key(KeyId="alias/fleet-0050")[
        "KeyMetadata"]["Description"] == "Fleet key 50"
    # 3 accounts x 2 Regions x 500 keys, the benchmark size: quick to seed.
    peer.reset(bulk_fleet=500)
    health = peer.control("GET", "health")
    print(f"\n--bulk-fleet 500: {health['fleet_keys']} keys seeded in "
          f"{health['seed_seconds']:.2f} s")
    assert health["fleet_keys"] == sum(base.values()) + 3000
    assert health["seed_seconds"] < 3
    assert health["bulk_fleet"] == 500
    peer.reset()
    assert peer.control("GET", "health")["fleet_keys"] == sum(base.values())


def test_reset_refuses_bad_organisation_options(peer: Peer) -> None:
    for bad in ({"org_extra": -1}, {"org_extra": True}, {"bulk_fleet": "5"},
                {"bulk_fleet": 1.5}, {"org_extra": 10000}):
        assert peer.request("POST", "/_keyturn/reset", json.dumps(bad)).status == 400, bad


def test_command_line_flags() -> None:
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO))
    from peer.keyturn_peer.__main__ import parse_args

    args = parse_args(["--state-dir", "x", "--org-extra", "25", "--bulk-fleet", "500"])
    assert (args.org_extra, args.bulk_fleet) == (25, 500)
    assert (parse_args(["--state-dir", "x"]).org_extra, parse_args(["--state-dir", "x"])
            .bulk_fleet) == (0, 0)
    for bad in (["--org-extra", "-1"], ["--bulk-fleet", "-2"], ["--org-extra", "99999"]):
        with pytest.raises(SystemExit):
            parse_args(["--state-dir", "x", *bad])


def test_assume_role_seconds_shortens_issued_sessions(fleet: Fleet) -> None:
    """`assume_role_seconds` (reset body, `--assume-role-seconds`): AssumeRole sessions expire
    that soon (the answer's Expiration and the peer's own expiry check agree), the request log
    names the role and the session issued, and each KMS request the access key that signed it."""
    assert fleet.peer.control("GET", "health")["assume_role_seconds"] is None
    f = Fleet(fleet.peer, fleet.peer.reset(assume_role_seconds=3), fleet.home)
    assert f.peer.control("GET", "health")["assume_role_seconds"] == 3
    # The peer's own session (credentials.json) is not an AssumeRole request: still 12 hours.
    own = dt_seconds(f.sts_doc["Credentials"]["Expiration"]) - time.time()
    assert own > 11 * 3600
    out = f.client("sts").assume_role(RoleArn=B_ROLE, RoleSessionName="short", DurationSeconds=900)
    left = out["Credentials"]["Expiration"].timestamp() - time.time()
    assert 1 < left <= 3
    b = Creds.from_sts(out)
    assert f.client("kms", b).list_keys()["Keys"]
    [assumed] = f.peer.requests(operation="AssumeRole")
    assert (assumed["account"], assumed["role_arn"], assumed["access_key_id"]) == \
        (A, B_ROLE, f.creds.access_key_id)
    assert assumed["issued"]["access_key_id"] == b.access_key_id
    assert abs(assumed["issued"]["expiration"] - out["Credentials"]["Expiration"].timestamp()) < 1
    [listed] = f.peer.requests(operation="ListKeys")
    assert (listed["account"], listed["access_key_id"], listed["issued"]) == \
        (B, b.access_key_id, None)
    time.sleep(left + 0.5)
    err = error_of(f.client("kms", b).list_keys)
    assert code(err) == "ExpiredTokenException"
    # A longer setting never lengthens a session: the requested DurationSeconds stays the cap.
    f = Fleet(fleet.peer, fleet.peer.reset(assume_role_seconds=7200), fleet.home)
    out = f.client("sts").assume_role(RoleArn=B_ROLE, RoleSessionName="long", DurationSeconds=900)
    assert 890 < out["Credentials"]["Expiration"].timestamp() - time.time() <= 900
    # 0 turns it off again; the JSON answer is shortened too.
    f = Fleet(fleet.peer, fleet.peer.reset(assume_role_seconds=60), fleet.home)
    reply = f.sts_call({"Action": "AssumeRole", "RoleArn": B_ROLE, "RoleSessionName": "js"},
                       accept_json=True)
    expiration = reply.json()["AssumeRoleResponse"]["AssumeRoleResult"]["Credentials"]["Expiration"]
    assert 55 < dt_seconds(expiration) - time.time() <= 60
    f = Fleet(fleet.peer, fleet.peer.reset(assume_role_seconds=0), fleet.home)
    assert f.peer.control("GET", "health")["assume_role_seconds"] is None
    out = f.client("sts").assume_role(RoleArn=B_ROLE, RoleSessionName="hour")
    assert 3590 < out["Credentials"]["Expiration"].timestamp() - time.time() <= 3600
    for bad in ({"assume_role_seconds": -1}, {"assume_role_seconds": True},
                {"assume_role_seconds": "320"}):
        assert f.peer.request("POST", "/_keyturn/reset", json.dumps(bad)).status == 400, bad


def dt_seconds(iso: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_assume_role_seconds_flag() -> None:
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO))
    from peer.keyturn_peer.__main__ import parse_args

    assert parse_args(["--state-dir", "x"]).assume_role_seconds is None
    assert parse_args(["--state-dir", "x", "--assume-role-seconds", "320"]).assume_role_seconds \
        == 320
    for bad in (["--assume-role-seconds", "0"], ["--assume-role-seconds", "-5"]):
        with pytest.raises(SystemExit):
            parse_args(["--state-dir", "x", *bad])
