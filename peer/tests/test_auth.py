"""Signature checking, credentials and the JSON auth errors (docs/peer.md "Signature checking",
"Authentication and the JSON errors")."""

from __future__ import annotations

import datetime as dt
import json

from conftest import Creds, Fleet, Peer


def test_credentials_file_endpoint_and_caller_identity(fleet: Fleet) -> None:
    on_disk = json.loads((fleet.peer.state_dir / "credentials.json").read_text())
    assert on_disk == fleet.sts_doc == fleet.peer.control("GET", "credentials")
    assert set(on_disk) == {"Credentials", "AssumedRoleUser"}
    assert set(on_disk["Credentials"]) == {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                           "Expiration"}
    assert on_disk["Credentials"]["AccessKeyId"].startswith("ASIA")
    ready = json.loads((fleet.peer.state_dir / "ready").read_text())
    assert ready["port"] == fleet.peer.port
    who = fleet.cli("sts", "get-caller-identity")
    assert who["Arn"] == "arn:aws:sts::123456789012:assumed-role/keyturn-console/keyturn-demo"
    assert who["Arn"] == on_disk["AssumedRoleUser"]["Arn"]


def test_cli_assume_role_output_has_the_shape_of_credentials_json(fleet: Fleet) -> None:
    user = fleet.peer.control("GET", "user")
    user_creds = Creds(user["AccessKeyId"], user["SecretAccessKey"])
    out = fleet.cli("sts", "assume-role", "--role-arn",
                    "arn:aws:iam::123456789012:role/keyturn-console",
                    "--role-session-name", "cli-check", creds=user_creds)
    assert set(fleet.sts_doc["Credentials"]) == set(out["Credentials"])
    assert set(fleet.sts_doc["AssumedRoleUser"]) <= set(out["AssumedRoleUser"])
    # Session credentials from the CLI's own AssumeRole work against KMS too.
    keys = fleet.cli("kms", "list-keys", creds=Creds.from_sts(out))
    assert keys["Keys"]
    # The user may assume only its role.
    err = fleet.cli_error("sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/x",
                          "--role-session-name", "cli-check", creds=user_creds)
    assert err.code == "AccessDenied"


def test_wrong_secret_is_rejected(fleet: Fleet) -> None:
    bad = Creds(fleet.creds.access_key_id, "wrong" + fleet.creds.secret[5:], fleet.creds.token)
    err = fleet.cli_error("kms", "list-keys", creds=bad)
    assert err.code == "InvalidSignatureException"
    assert "signature we calculated does not match" in err.message
    err = fleet.cli_error("sts", "get-caller-identity", creds=bad)
    assert err.code == "SignatureDoesNotMatch"


def test_unknown_key_or_token_is_unrecognized(fleet: Fleet) -> None:
    err = fleet.cli_error("kms", "list-keys",
                          creds=Creds("ASIAUNKNOWNUNKNOWN00", "x" * 40, "token"))
    assert err.code == "UnrecognizedClientException"
    err = fleet.cli_error("kms", "list-keys",
                          creds=Creds(fleet.creds.access_key_id, fleet.creds.secret, "bad-token"))
    assert err.code == "UnrecognizedClientException"


def test_auth_errors_are_json_with_error_type_and_request_id(fleet: Fleet) -> None:
    bad = Creds(fleet.creds.access_key_id, "x" * 40, fleet.creds.token)
    reply = fleet.kms_call("ListKeys", creds=bad)
    assert reply.status == 400
    assert reply.headers["content-type"] == "application/x-amz-json-1.1"
    # Front-end errors carry the coral namespace, the header a `:` suffix (docs/kms.md §1.6
    # Error responses).
    assert reply.json() == {"__type": "com.amazon.coral.service#InvalidSignatureException",
                            "message": reply.json()["message"]}
    assert reply.headers["x-amzn-errortype"] == (
        "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/")
    assert len(reply.headers["x-amzn-requestid"]) == 36
    unsigned = fleet.peer.request("POST", "/", b"{}", {"X-Amz-Target": "TrentService.ListKeys",
                                                      "Content-Type": "application/x-amz-json-1.1"})
    assert unsigned.status == 400
    assert unsigned.json()["__type"] == "com.amazon.coral.service#MissingAuthenticationTokenException"


def test_expired_credentials(fleet: Fleet) -> None:
    expired_doc = fleet.peer.control("POST", "expire")
    stamp = dt.datetime.strptime(expired_doc["Credentials"]["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert stamp < dt.datetime.utcnow()
    expired = Creds.from_sts(expired_doc)
    err = fleet.cli_error("kms", "list-keys", creds=expired)
    assert err.code == "ExpiredTokenException"
    assert fleet.kms_call("ListKeys", creds=expired).json()["__type"] == "com.amazon.coral.service#ExpiredTokenException"
    err = fleet.cli_error("sts", "get-caller-identity", creds=expired)
    assert err.code == "ExpiredToken"
    # The live session is unaffected.
    assert fleet.cli("kms", "list-keys")["Keys"]


def test_clock_skew_outside_five_minutes(fleet: Fleet) -> None:
    now = dt.datetime.utcnow()
    late = fleet.kms_call("ListKeys", when=now - dt.timedelta(minutes=10))
    assert late.status == 400
    assert late.json()["__type"] == "com.amazon.coral.service#InvalidSignatureException"
    assert late.json()["message"].startswith("Signature expired:")
    early = fleet.kms_call("ListKeys", when=now + dt.timedelta(minutes=10))
    assert early.json()["message"].startswith("Signature not yet current:")
    ok = fleet.kms_call("ListKeys", when=now - dt.timedelta(minutes=4))
    assert ok.status == 200
    assert "date" in ok.headers  # clients correct their clock from it


def test_signature_survives_origin_header_and_scope_is_checked(fleet: Fleet) -> None:
    # kms_call always sends an Origin header the signature does not cover.
    assert fleet.kms_call("ListKeys").status == 200
    wrong_service = fleet.kms_call("ListKeys", service="sts")
    assert wrong_service.json()["__type"] == "com.amazon.coral.service#InvalidSignatureException"


def test_identity_policy_denies_rotation_reads_on_one_key(fleet: Fleet) -> None:
    key_id = fleet.key_id("alias/demo-denied")
    err = fleet.cli_error("kms", "get-key-rotation-status", "--key-id", key_id)
    assert err.code == "AccessDeniedException"
    assert "kms:GetKeyRotationStatus" in err.message and "explicit deny" in err.message
    err = fleet.cli_error("kms", "list-key-rotations", "--key-id", key_id)
    assert err.code == "AccessDeniedException"
    # The key itself is visible.
    assert fleet.cli("kms", "describe-key", "--key-id", key_id)["KeyMetadata"]["KeyId"] == key_id


def test_reset_issues_new_credentials_and_old_ones_stop_working(peer: Peer, fleet: Fleet) -> None:
    old = fleet.creds
    new_doc = peer.reset()
    assert new_doc["Credentials"]["AccessKeyId"] != old.access_key_id
    on_disk = json.loads((peer.state_dir / "credentials.json").read_text())
    assert on_disk == new_doc
    err = fleet.cli_error("kms", "list-keys", creds=old)
    assert err.code == "UnrecognizedClientException"
    assert fleet.cli("kms", "list-keys", creds=Creds.from_sts(new_doc))["Keys"]


def test_sts_answers_json_when_asked(fleet: Fleet) -> None:
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    reply = fleet.signed("", body=body, service="sts", extra_headers={"Accept": "application/json"})
    assert reply.status == 200
    doc = reply.json()["GetCallerIdentityResponse"]
    assert doc["GetCallerIdentityResult"]["Account"] == "123456789012"
    assert doc["ResponseMetadata"]["RequestId"] == reply.headers["x-amzn-requestid"]
    xml = fleet.signed("", body=body, service="sts")
    assert xml.body.startswith(b"<GetCallerIdentityResponse")
