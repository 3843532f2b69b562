"""Rotation rules, cross-checked with the AWS CLI v1 (docs/peer.md "Rotation, status and
paging")."""

from __future__ import annotations

import re
import time

import pytest

from conftest import ROTATION_SECONDS, Fleet

DAY = 86400
HEX64 = re.compile(r"^[0-9a-f]{64}$")

# (alias, region, operation) -> the error code, or None when the call succeeds.
# Sources: docs/kms.md §3.1 Which keys can rotate and §3.2 Key states; see rotation.py.
ELIGIBILITY = [
    ("alias/demo-rsa", "us-east-1", "enable-key-rotation", "UnsupportedOperationException"),
    ("alias/demo-rsa", "us-east-1", "rotate-key-on-demand", "UnsupportedOperationException"),
    ("alias/demo-rsa", "us-east-1", "get-key-rotation-status", "UnsupportedOperationException"),
    ("alias/demo-ecc", "us-east-1", "rotate-key-on-demand", "UnsupportedOperationException"),
    ("alias/demo-hmac", "us-east-1", "enable-key-rotation", "UnsupportedOperationException"),
    ("alias/demo-hmac", "us-east-1", "list-key-rotations", "UnsupportedOperationException"),
    ("alias/demo-cloudhsm", "us-east-1", "enable-key-rotation", "UnsupportedOperationException"),
    ("alias/demo-cloudhsm", "us-east-1", "rotate-key-on-demand", "UnsupportedOperationException"),
    ("alias/demo-cloudhsm", "us-east-1", "get-key-rotation-status", "UnsupportedOperationException"),
    ("alias/demo-imported", "us-east-1", "enable-key-rotation", "UnsupportedOperationException"),
    ("alias/demo-imported", "us-east-1", "get-key-rotation-status", None),
    ("alias/demo-imported-empty", "us-east-1", "disable-key-rotation", "UnsupportedOperationException"),
    ("alias/demo-imported-empty", "us-east-1", "rotate-key-on-demand", "KMSInvalidStateException"),
    ("alias/demo-imported-empty", "us-east-1", "get-key-rotation-status", "UnsupportedOperationException"),
    ("alias/demo-multi-region", "us-west-2", "enable-key-rotation", "UnsupportedOperationException"),
    ("alias/demo-multi-region", "us-west-2", "rotate-key-on-demand", "UnsupportedOperationException"),
    ("alias/demo-multi-region", "us-west-2", "get-key-rotation-status", None),
    ("alias/demo-disabled", "us-east-1", "enable-key-rotation", "DisabledException"),
    ("alias/demo-disabled", "us-east-1", "rotate-key-on-demand", "DisabledException"),
    ("alias/demo-disabled", "us-east-1", "get-key-rotation-status", None),
    ("alias/demo-pending-deletion", "us-east-1", "disable-key-rotation", "KMSInvalidStateException"),
    ("alias/demo-pending-deletion", "us-east-1", "rotate-key-on-demand", "KMSInvalidStateException"),
    ("alias/aws/s3", "us-east-1", "enable-key-rotation", "AccessDeniedException"),
    ("alias/aws/s3", "us-east-1", "rotate-key-on-demand", "AccessDeniedException"),
    ("alias/aws/s3", "us-east-1", "list-key-rotations", None),
    ("alias/demo-auto-due", "us-east-1", "rotate-key-on-demand", "ConflictException"),
    ("alias/demo-25-used", "us-east-1", "rotate-key-on-demand", "LimitExceededException"),
    ("alias/demo-manual", "us-east-1", "rotate-key-on-demand", None),
]


@pytest.mark.parametrize("alias,region,op,expected", ELIGIBILITY,
                         ids=[f"{a.split('/')[-1]}-{r}-{o}" for a, r, o, _ in ELIGIBILITY])
def test_eligibility(fleet: Fleet, alias: str, region: str, op: str, expected: str | None) -> None:
    key_id = fleet.key_id(alias, region)
    if expected is None:
        fleet.cli("kms", op, "--key-id", key_id, region=region)
    else:
        err = fleet.cli_error("kms", op, "--key-id", key_id, region=region)
        assert err.code == expected, err.stderr


def test_rotation_status_fields(fleet: Fleet) -> None:
    now = time.time()
    auto = fleet.cli("kms", "get-key-rotation-status", "--key-id", fleet.key_id("alias/demo-auto"))
    assert auto["KeyRotationEnabled"] is True
    assert auto["KeyId"] == fleet.key_id("alias/demo-auto")
    assert auto["RotationPeriodInDays"] == 180
    # Last automatic rotation 40 days ago + 180 days.
    assert abs(auto["NextRotationDate"] - (now + 140 * DAY)) < 60
    assert "OnDemandRotationStartDate" not in auto
    manual = fleet.cli("kms", "get-key-rotation-status", "--key-id", fleet.key_id("alias/demo-manual"))
    assert manual == {"KeyRotationEnabled": False, "KeyId": fleet.key_id("alias/demo-manual")}
    aws = fleet.cli("kms", "get-key-rotation-status", "--key-id", fleet.key_id("alias/aws/s3"))
    assert aws["KeyRotationEnabled"] is True and aws["RotationPeriodInDays"] == 365
    pending = fleet.cli("kms", "get-key-rotation-status",
                        "--key-id", fleet.key_id("alias/demo-pending-deletion"))
    assert pending["KeyRotationEnabled"] is False
    disabled = fleet.cli("kms", "get-key-rotation-status",
                         "--key-id", fleet.key_id("alias/demo-disabled"))
    assert disabled["KeyRotationEnabled"] is True


def _wait_until_done(fleet: Fleet, key_id: str) -> dict:
    deadline = time.monotonic() + ROTATION_SECONDS + 8
    while True:
        status = fleet.kms().get_key_rotation_status(KeyId=key_id)
        if "OnDemandRotationStartDate" not in status:
            return status
        assert time.monotonic() < deadline, "rotation never completed"
        time.sleep(0.2)


def test_on_demand_rotation_in_progress_then_listed_then_limit(fleet: Fleet) -> None:
    key_id = fleet.key_id("alias/demo-24-used")
    before = fleet.cli("kms", "describe-key", "--key-id", key_id)["KeyMetadata"]
    started = time.time()
    assert fleet.cli("kms", "rotate-key-on-demand", "--key-id", key_id) == {"KeyId": key_id}
    # Inside the ROTATION_SECONDS window: quick raw reads (a CLI call can take a second or more
    # on a busy machine, and the rotation would be over).
    status = fleet.kms_call("GetKeyRotationStatus", {"KeyId": key_id}).json()
    assert abs(status["OnDemandRotationStartDate"] - started) < 5
    # In progress: not listed yet, and a second request conflicts.
    rotations = fleet.kms_call("ListKeyRotations", {"KeyId": key_id}).json()["Rotations"]
    assert len(rotations) == 24
    again = fleet.kms_call("RotateKeyOnDemand", {"KeyId": key_id}).json()
    assert again["__type"] == "ConflictException"
    _wait_until_done(fleet, key_id)
    rotations = fleet.cli("kms", "list-key-rotations", "--key-id", key_id)["Rotations"]
    assert len(rotations) == 25
    newest = rotations[-1]
    assert newest["RotationType"] == "ON_DEMAND"
    assert newest["KeyMaterialState"] == "CURRENT" and HEX64.match(newest["KeyMaterialId"])
    assert newest["RotationDate"] >= started
    assert all(r["KeyMaterialState"] == "NON_CURRENT" for r in rotations[:-1])
    after = fleet.cli("kms", "describe-key", "--key-id", key_id)["KeyMetadata"]
    assert after["CurrentKeyMaterialId"] == newest["KeyMaterialId"] != before["CurrentKeyMaterialId"]
    err = fleet.cli_error("kms", "rotate-key-on-demand", "--key-id", key_id)
    assert err.code == "LimitExceededException"


def test_imported_key_rotates_onto_pending_material(fleet: Fleet) -> None:
    key_id = fleet.key_id("alias/demo-imported")
    materials = fleet.cli("kms", "list-key-rotations", "--key-id", key_id,
                          "--include-key-material", "ALL_KEY_MATERIAL")["Rotations"]
    assert [m["KeyMaterialState"] for m in materials] == ["CURRENT", "PENDING_ROTATION"]
    assert "RotationDate" not in materials[1] and "RotationType" not in materials[1]
    assert fleet.cli("kms", "list-key-rotations", "--key-id", key_id)["Rotations"] == []
    fleet.cli("kms", "rotate-key-on-demand", "--key-id", key_id)
    _wait_until_done(fleet, key_id)
    rotations = fleet.cli("kms", "list-key-rotations", "--key-id", key_id)["Rotations"]
    assert len(rotations) == 1
    assert rotations[0]["KeyMaterialId"] == materials[1]["KeyMaterialId"]
    assert rotations[0]["ImportState"] == "IMPORTED"
    # No more pending material: nothing to rotate onto.
    err = fleet.cli_error("kms", "rotate-key-on-demand", "--key-id", key_id)
    assert err.code == "UnsupportedOperationException"


def test_rotation_period_validation(fleet: Fleet) -> None:
    key_id = fleet.key_id("alias/demo-manual")
    err = fleet.cli_error("kms", "enable-key-rotation", "--key-id", key_id,
                          "--rotation-period-in-days", "2561")
    assert err.code == "ValidationException"
    assert "rotationPeriodInDays" in err.message
    # The CLI itself refuses 89 (botocore checks the model's minimum)...
    err = fleet.cli_error("kms", "enable-key-rotation", "--key-id", key_id,
                          "--rotation-period-in-days", "89")
    assert "valid min value: 90" in err.stderr
    # ...and so does the peer when a client does not.
    raw = fleet.kms_call("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": 89})
    assert raw.status == 400 and raw.json()["__type"] == "ValidationException"
    for period in (90, 2560):
        fleet.cli("kms", "enable-key-rotation", "--key-id", key_id,
                  "--rotation-period-in-days", str(period))
        status = fleet.cli("kms", "get-key-rotation-status", "--key-id", key_id)
        assert status["RotationPeriodInDays"] == period
    fleet.cli("kms", "disable-key-rotation", "--key-id", key_id)
    assert fleet.cli("kms", "get-key-rotation-status", "--key-id", key_id) == {
        "KeyRotationEnabled": False, "KeyId": key_id}
    fleet.cli("kms", "enable-key-rotation", "--key-id", key_id)
    status = fleet.cli("kms", "get-key-rotation-status", "--key-id", key_id)
    assert status["RotationPeriodInDays"] == 365
    assert abs(status["NextRotationDate"] - (time.time() + 365 * DAY)) < 60


def test_void_operations_answer_an_empty_json_response(fleet: Fleet) -> None:
    key_id = fleet.key_id("alias/demo-manual")
    reply = fleet.kms_call("EnableKeyRotation", {"KeyId": key_id})
    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["content-type"] == "application/x-amz-json-1.1"


def test_replica_shares_the_primary_rotation_settings(fleet: Fleet) -> None:
    primary = fleet.key_id("alias/demo-multi-region")
    fleet.cli("kms", "enable-key-rotation", "--key-id", primary, "--rotation-period-in-days", "400")
    replica = fleet.cli("kms", "get-key-rotation-status", "--key-id", primary, region="us-west-2")
    assert replica["RotationPeriodInDays"] == 400
    assert replica["KeyId"] == primary
    on_replica = fleet.cli("kms", "list-key-rotations", "--key-id", primary, region="us-west-2")
    assert [r["RotationType"] for r in on_replica["Rotations"]] == ["AUTOMATIC"]


def test_aliases_and_foreign_arns_are_rejected_cleanly(fleet: Fleet) -> None:
    err = fleet.cli_error("kms", "rotate-key-on-demand", "--key-id", "alias/demo-manual")
    assert err.code == "NotFoundException"
    err = fleet.cli_error("kms", "list-key-rotations", "--key-id", "alias/demo-manual")
    assert err.code == "NotFoundException"
    key_id = fleet.key_id("alias/demo-manual")
    west_arn = f"arn:aws:kms:us-west-2:123456789012:key/{key_id}"
    err = fleet.cli_error("kms", "get-key-rotation-status", "--key-id", west_arn)
    assert err.code == "NotFoundException"
    err = fleet.cli_error("kms", "describe-key", "--key-id", "arn:aws:kms:nonsense")
    assert err.code == "InvalidArnException"
    # An ARN in gives the key ID out.
    arn = f"arn:aws:kms:us-east-1:123456789012:key/{key_id}"
    assert fleet.cli("kms", "get-key-rotation-status", "--key-id", arn)["KeyId"] == key_id
    assert fleet.cli("kms", "rotate-key-on-demand", "--key-id", arn) == {"KeyId": key_id}


def test_list_key_rotations_pages_and_markers(fleet: Fleet) -> None:
    key_id = fleet.key_id("alias/demo-25-used")
    all_rows = fleet.cli("kms", "list-key-rotations", "--key-id", key_id, "--page-size", "10")
    assert len(all_rows["Rotations"]) == 25
    assert [r["RotationDate"] for r in all_rows["Rotations"]] == sorted(
        r["RotationDate"] for r in all_rows["Rotations"])
    first = fleet.kms_call("ListKeyRotations", {"KeyId": key_id, "Limit": 10}).json()
    assert first["Truncated"] is True and len(first["Rotations"]) == 10
    bad = fleet.kms_call("ListKeyRotations", {"KeyId": key_id, "Marker": "not-a-marker"})
    assert bad.json()["__type"] == "InvalidMarkerException"
    other_key = fleet.key_id("alias/demo-24-used")
    foreign = fleet.kms_call("ListKeyRotations", {"KeyId": other_key, "Marker": first["NextMarker"]})
    assert foreign.json()["__type"] == "InvalidMarkerException"
