"""Eventual consistency on request (consistency.py; docs/kms.md §4.6 Eventual consistency):
reads see a rotation change only `consistency_seconds` after it was accepted, while writes
already know about it."""

from __future__ import annotations

import time
from typing import Any

from conftest import Fleet


def accepted_at(fleet: Fleet, operation: str, key_id: str) -> float:
    """When the peer accepted the call, from its request log."""
    rows = [r for r in fleet.peer.requests(operation=operation, key_id=key_id)
            if r["status"] == 200]
    assert rows, (operation, key_id)
    return rows[-1]["at"]


def sleep_until(when: float) -> None:
    time.sleep(max(0.0, when - time.time()) + 0.05)


def before(when: float) -> None:
    """The reads just made must have been answered before `when`, or the test proves nothing."""
    assert time.time() < when, "the machine was too slow to read inside the window"


def test_rotation_is_invisible_for_the_delay_then_in_progress_then_listed(fleet: Fleet) -> None:
    # S < rotation_seconds: hidden for S, then in progress, then listed. Inside the short windows
    # the reads are boto3 calls (milliseconds); the CLI checks the end state.
    s, r = 1.0, 2.0
    f = Fleet(fleet.peer, fleet.peer.reset(consistency_seconds=s, rotation_seconds=r), fleet.home)
    assert f.peer.control("GET", "health")["consistency_seconds"] == s
    key = f.key_id("alias/demo-24-used")
    assert f.kms().rotate_key_on_demand(KeyId=key)["KeyId"] == key
    t = accepted_at(f, "RotateKeyOnDemand", key)
    status = f.kms().get_key_rotation_status(KeyId=key)
    rows = f.kms().list_key_rotations(KeyId=key)["Rotations"]
    # KMS itself knows: a second rotation is refused as in progress (rotation.check_rotatable).
    again = f.kms_call("RotateKeyOnDemand", {"KeyId": key}).json()
    before(t + s)
    assert "OnDemandRotationStartDate" not in status
    assert len(rows) == 24
    assert again["__type"] == "ConflictException"
    sleep_until(t + s)
    status = f.kms().get_key_rotation_status(KeyId=key)
    rows = f.kms().list_key_rotations(KeyId=key)["Rotations"]
    before(t + r)
    assert abs(status["OnDemandRotationStartDate"].timestamp() - t) < 0.01
    assert len(rows) == 24
    sleep_until(t + r)
    rows = f.cli("kms", "list-key-rotations", "--key-id", key)["Rotations"]
    assert len(rows) == 25 and rows[-1]["RotationType"] == "ON_DEMAND"
    assert abs(rows[-1]["RotationDate"] - (t + r)) < 0.01
    assert "OnDemandRotationStartDate" not in f.kms().get_key_rotation_status(KeyId=key)


def test_delay_longer_than_the_rotation_shows_the_old_state_until_it_ends(fleet: Fleet) -> None:
    # S > rotation_seconds: the rotation is done inside KMS, but reads show the state from before
    # the call (list, material states, DescribeKey's current material) until S has passed.
    s, r = 1.5, 0.3
    f = Fleet(fleet.peer, fleet.peer.reset(consistency_seconds=s, rotation_seconds=r), fleet.home)
    kms = f.kms()
    auto = f.key_id("alias/demo-auto")
    imported = f.key_id("alias/demo-imported")

    def look() -> tuple[Any, Any, Any, Any]:
        status = kms.get_key_rotation_status(KeyId=auto)
        status.pop("ResponseMetadata")
        return (kms.list_key_rotations(KeyId=auto)["Rotations"], status,
                kms.describe_key(KeyId=auto)["KeyMetadata"]["CurrentKeyMaterialId"],
                kms.list_key_rotations(KeyId=imported, IncludeKeyMaterial="ALL_KEY_MATERIAL")
                ["Rotations"])

    old = look()
    kms.rotate_key_on_demand(KeyId=auto)
    kms.rotate_key_on_demand(KeyId=imported)
    t = accepted_at(f, "RotateKeyOnDemand", auto)
    sleep_until(t + r)
    seen = look()
    again = f.kms_call("RotateKeyOnDemand", {"KeyId": auto}).json()
    before(t + s)
    assert seen == old
    rows, status, _, materials = seen
    assert [row["KeyMaterialState"] for row in rows] == ["NON_CURRENT", "NON_CURRENT", "CURRENT"]
    assert "OnDemandRotationStartDate" not in status
    assert [m["KeyMaterialState"] for m in materials] == ["CURRENT", "PENDING_ROTATION"]
    # Still refused until the rotation is visible as completed.
    assert again["__type"] == "ConflictException"
    sleep_until(t + s)
    rows = f.cli("kms", "list-key-rotations", "--key-id", auto)["Rotations"]
    assert [row["RotationType"] for row in rows] == ["AUTOMATIC", "ON_DEMAND", "AUTOMATIC",
                                                     "ON_DEMAND"]
    assert [row["KeyMaterialState"] for row in rows][-2:] == ["NON_CURRENT", "CURRENT"]
    assert kms.describe_key(KeyId=auto)["KeyMetadata"]["CurrentKeyMaterialId"] == \
        rows[-1]["KeyMaterialId"] != old[2]
    materials = kms.list_key_rotations(KeyId=imported,
                                       IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    assert [m["KeyMaterialState"] for m in materials] == ["NON_CURRENT", "CURRENT"]
    assert materials[1]["KeyMaterialId"] == old[3][1]["KeyMaterialId"]


def test_enable_and_disable_show_after_the_delay(fleet: Fleet) -> None:
    s = 1.0
    f = Fleet(fleet.peer, fleet.peer.reset(consistency_seconds=s), fleet.home)
    kms = f.kms()
    key = f.key_id("alias/demo-manual")
    off = {"KeyRotationEnabled": False, "KeyId": key}
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=120)
    t = accepted_at(f, "EnableKeyRotation", key)
    seen = kms.get_key_rotation_status(KeyId=key)
    before(t + s)
    assert {k: seen[k] for k in off} == off and "RotationPeriodInDays" not in seen
    sleep_until(t + s)
    on = f.cli("kms", "get-key-rotation-status", "--key-id", key)
    assert on["KeyRotationEnabled"] is True and on["RotationPeriodInDays"] == 120
    kms.disable_key_rotation(KeyId=key)
    t = accepted_at(f, "DisableKeyRotation", key)
    seen = kms.get_key_rotation_status(KeyId=key)
    before(t + s)
    assert seen["KeyRotationEnabled"] is True and seen["RotationPeriodInDays"] == 120
    sleep_until(t + s)
    assert f.cli("kms", "get-key-rotation-status", "--key-id", key) == off


def test_no_delay_by_default(fleet: Fleet) -> None:
    assert fleet.peer.control("GET", "health")["consistency_seconds"] == 0
    key = fleet.key_id("alias/demo-manual")
    fleet.kms().rotate_key_on_demand(KeyId=key)
    fleet.kms().enable_key_rotation(KeyId=key)
    status: dict[str, Any] = fleet.kms().get_key_rotation_status(KeyId=key)
    assert "OnDemandRotationStartDate" in status and status["KeyRotationEnabled"] is True

