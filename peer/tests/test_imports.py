"""Imported key material, driven with the AWS CLI v1 and wrapped with `cryptography` as a
user's HSM would (docs/peer.md "Imported key material"; imports.py)."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest

from conftest import ROTATION_SECONDS, CliError, Fleet
from wrapping import wrap


def params(fleet: Fleet, key_id: str, algorithm: str = "RSAES_OAEP_SHA_256",
           spec: str = "RSA_2048", region: str = "us-east-1") -> dict:
    return fleet.cli("kms", "get-parameters-for-import", "--key-id", key_id,
                     "--wrapping-algorithm", algorithm, "--wrapping-key-spec", spec, region=region)


def import_material(fleet: Fleet, tmp: Path, key_id: str, material: bytes, *extra: str,
                    algorithm: str = "RSAES_OAEP_SHA_256", spec: str = "RSA_2048",
                    region: str = "us-east-1") -> dict:
    p = params(fleet, key_id, algorithm, spec, region)
    wrapped = tmp / f"wrapped-{os.urandom(4).hex()}.bin"
    token = tmp / f"token-{os.urandom(4).hex()}.bin"
    wrapped.write_bytes(wrap(base64.b64decode(p["PublicKey"]), algorithm, material))
    token.write_bytes(base64.b64decode(p["ImportToken"]))
    return fleet.cli("kms", "import-key-material", "--key-id", key_id,
                     "--encrypted-key-material", f"fileb://{wrapped}",
                     "--import-token", f"fileb://{token}", *extra, region=region)


def materials(fleet: Fleet, key_id: str, region: str = "us-east-1") -> list[dict]:
    return fleet.cli("kms", "list-key-rotations", "--key-id", key_id, "--include-key-material",
                     "ALL_KEY_MATERIAL", region=region)["Rotations"]


def new_external(fleet: Fleet, *extra: str) -> str:
    return fleet.cli("kms", "create-key", "--origin", "EXTERNAL", *extra)["KeyMetadata"]["KeyId"]


def describe(fleet: Fleet, key_id: str, region: str = "us-east-1") -> dict:
    return fleet.cli("kms", "describe-key", "--key-id", key_id, region=region)["KeyMetadata"]


def wait_rotated(fleet: Fleet, key_id: str, count: int) -> list[dict]:
    deadline = time.monotonic() + ROTATION_SECONDS * 5
    while time.monotonic() < deadline:
        rotations = fleet.cli("kms", "list-key-rotations", "--key-id", key_id)["Rotations"]
        if len(rotations) >= count:
            return rotations
        time.sleep(0.3)
    raise AssertionError(f"{key_id}: no rotation {count} in time")


@pytest.mark.parametrize("algorithm,spec", [
    ("RSAES_OAEP_SHA_256", "RSA_2048"),
    ("RSAES_OAEP_SHA_1", "RSA_3072"),
    ("RSA_AES_KEY_WRAP_SHA_256", "RSA_4096"),
    ("RSA_AES_KEY_WRAP_SHA_1", "RSA_2048"),
])
def test_import_then_rotate_onto_new_material(fleet: Fleet, tmp_path: Path, algorithm: str,
                                             spec: str) -> None:
    key_id = new_external(fleet)
    assert describe(fleet, key_id)["KeyState"] == "PendingImport"
    assert materials(fleet, key_id) == []
    first = os.urandom(32)
    out = import_material(fleet, tmp_path, key_id, first, "--expiration-model",
                          "KEY_MATERIAL_DOES_NOT_EXPIRE", "--key-material-description",
                          "first from the HSM", algorithm=algorithm, spec=spec)
    md = describe(fleet, key_id)
    assert md["KeyState"] == "Enabled" and md["CurrentKeyMaterialId"] == out["KeyMaterialId"]
    assert md["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    [m] = materials(fleet, key_id)
    assert m["KeyMaterialState"] == "CURRENT" and m["ImportState"] == "IMPORTED"
    assert m["KeyMaterialDescription"] == "first from the HSM"
    # Nothing pending yet: no rotation.
    assert fleet.cli_error("kms", "rotate-key-on-demand", "--key-id", key_id).code == \
        "UnsupportedOperationException"
    valid_to = int(time.time()) + 30 * 86400
    new = import_material(fleet, tmp_path, key_id, os.urandom(32), "--import-type",
                          "NEW_KEY_MATERIAL", "--expiration-model", "KEY_MATERIAL_EXPIRES",
                          "--valid-to", str(valid_to), algorithm=algorithm, spec=spec)
    rows = materials(fleet, key_id)
    assert [r["KeyMaterialState"] for r in rows] == ["CURRENT", "PENDING_ROTATION"]
    assert rows[1]["KeyMaterialId"] == new["KeyMaterialId"]
    assert rows[1]["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    fleet.cli("kms", "rotate-key-on-demand", "--key-id", key_id)
    [done] = wait_rotated(fleet, key_id, 1)
    assert done["KeyMaterialId"] == new["KeyMaterialId"] and done["RotationType"] == "ON_DEMAND"
    assert describe(fleet, key_id)["CurrentKeyMaterialId"] == new["KeyMaterialId"]
    assert [r["KeyMaterialState"] for r in materials(fleet, key_id)] == ["NON_CURRENT", "CURRENT"]


def test_import_errors(fleet: Fleet, tmp_path: Path) -> None:
    key_id = new_external(fleet)
    other = new_external(fleet)
    p = params(fleet, key_id)
    token = tmp_path / "token.bin"
    token.write_bytes(base64.b64decode(p["ImportToken"]))
    good = tmp_path / "good.bin"
    good.write_bytes(wrap(base64.b64decode(p["PublicKey"]), "RSAES_OAEP_SHA_256", os.urandom(32)))
    short = tmp_path / "short.bin"
    short.write_bytes(wrap(base64.b64decode(p["PublicKey"]), "RSAES_OAEP_SHA_256", os.urandom(16)))
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(256))

    def attempt(kid: str, material: Path, *extra: str) -> CliError:
        return fleet.cli_error("kms", "import-key-material", "--key-id", kid,
                               "--encrypted-key-material", f"fileb://{material}",
                               "--import-token", f"fileb://{token}", *extra)

    never = ("--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert attempt(other, good, *never).code == "InvalidImportTokenException"
    assert attempt(key_id, junk, *never).code == "InvalidCiphertextException"
    assert attempt(key_id, short, *never).code == "IncorrectKeyMaterialException"
    # KEY_MATERIAL_EXPIRES is the default, and needs ValidTo.
    assert attempt(key_id, good).code == "ValidationException"
    assert attempt(key_id, good, "--expiration-model", "KEY_MATERIAL_EXPIRES", "--valid-to",
                   str(int(time.time()) + 400 * 86400)).code == "ValidationException"
    assert attempt(key_id, good, *never, "--key-material-description", "<b>").code == \
        "ValidationException"
    # The legacy algorithm and SM2 are refused.
    assert fleet.cli_error("kms", "get-parameters-for-import", "--key-id", key_id,
                           "--wrapping-algorithm", "RSAES_PKCS1_V1_5", "--wrapping-key-spec",
                           "RSA_2048").code == "UnsupportedOperationException"
    # Keys KMS made the material of take no import.
    manual = fleet.key_id("alias/demo-manual")
    assert fleet.cli_error("kms", "get-parameters-for-import", "--key-id", manual,
                           "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec",
                           "RSA_2048").code == "UnsupportedOperationException"
    # The token still works after the failures.
    fleet.cli("kms", "import-key-material", "--key-id", key_id, "--encrypted-key-material",
              f"fileb://{good}", "--import-token", f"fileb://{token}", *never)
    assert describe(fleet, key_id)["KeyState"] == "Enabled"


def test_delete_and_reimport_the_same_material(fleet: Fleet, tmp_path: Path) -> None:
    key_id = new_external(fleet)
    material = os.urandom(32)
    never = ("--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    first = import_material(fleet, tmp_path, key_id, material, *never)["KeyMaterialId"]
    out = fleet.cli("kms", "delete-imported-key-material", "--key-id", key_id)
    assert out["KeyMaterialId"] == first
    assert describe(fleet, key_id)["KeyState"] == "PendingImport"
    [m] = materials(fleet, key_id)
    assert m["ImportState"] == "PENDING_IMPORT"
    # Other material is not this key's.
    err = None
    try:
        import_material(fleet, tmp_path, key_id, os.urandom(32), *never, "--import-type",
                        "EXISTING_KEY_MATERIAL")
    except CliError as e:
        err = e
    assert err is not None and err.code == "IncorrectKeyMaterialException"
    again = import_material(fleet, tmp_path, key_id, material, *never, "--import-type",
                            "EXISTING_KEY_MATERIAL", "--key-material-id", first)
    assert again["KeyMaterialId"] == first
    assert describe(fleet, key_id)["KeyState"] == "Enabled"
    # Pending material can be deleted: it is not the key's yet, and the key stays usable.
    pending = import_material(fleet, tmp_path, key_id, os.urandom(32), *never, "--import-type",
                              "NEW_KEY_MATERIAL")["KeyMaterialId"]
    fleet.cli("kms", "delete-imported-key-material", "--key-id", key_id, "--key-material-id",
              pending)
    assert [r["KeyMaterialId"] for r in materials(fleet, key_id)] == [first]
    assert describe(fleet, key_id)["KeyState"] == "Enabled"


def test_multi_region_imported_rotation_waits_for_every_replica(fleet: Fleet,
                                                                tmp_path: Path) -> None:
    key_id = new_external(fleet, "--multi-region")
    never = ("--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    first = os.urandom(32)
    import_material(fleet, tmp_path, key_id, first, *never)
    fleet.cli("kms", "replicate-key", "--key-id", key_id, "--replica-region", "us-west-2")
    assert describe(fleet, key_id, "us-west-2")["KeyState"] == "PendingImport"
    import_material(fleet, tmp_path, key_id, first, *never, region="us-west-2")
    assert describe(fleet, key_id, "us-west-2")["KeyState"] == "Enabled"
    new = os.urandom(32)
    mid = import_material(fleet, tmp_path, key_id, new, *never, "--import-type",
                          "NEW_KEY_MATERIAL")["KeyMaterialId"]
    rows = materials(fleet, key_id)
    assert rows[-1]["KeyMaterialId"] == mid
    assert rows[-1]["KeyMaterialState"] == "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    err = fleet.cli_error("kms", "rotate-key-on-demand", "--key-id", key_id)
    assert err.code == "UnsupportedOperationException" and "us-west-2" in err.message
    # New material goes into the primary only; the replica takes the same material.
    try:
        import_material(fleet, tmp_path, key_id, os.urandom(32), *never, "--import-type",
                        "NEW_KEY_MATERIAL", region="us-west-2")
        raise AssertionError("a replica took new key material")
    except CliError as e:
        assert e.code in ("IncorrectKeyMaterialException", "UnsupportedOperationException")
    out = import_material(fleet, tmp_path, key_id, new, *never, "--import-type",
                          "EXISTING_KEY_MATERIAL", region="us-west-2")
    assert out["KeyMaterialId"] == mid
    assert materials(fleet, key_id)[-1]["KeyMaterialState"] == "PENDING_ROTATION"
    assert materials(fleet, key_id, "us-west-2")[-1]["KeyMaterialState"] == "PENDING_ROTATION"
    fleet.cli("kms", "rotate-key-on-demand", "--key-id", key_id)
    wait_rotated(fleet, key_id, 1)
    assert describe(fleet, key_id, "us-west-2")["CurrentKeyMaterialId"] == mid


def test_last_use(fleet: Fleet) -> None:
    used = fleet.key_id("alias/demo-manual")
    out = fleet.cli("kms", "get-key-last-usage", "--key-id", used)
    assert out["KeyLastUsage"]["Operation"] == "Encrypt"
    fresh = fleet.cli("kms", "create-key")["KeyMetadata"]
    out = fleet.cli("kms", "get-key-last-usage", "--key-id", fresh["KeyId"])
    assert out["KeyLastUsage"] == {}
    assert out["TrackingStartDate"] == out["KeyCreationDate"]
    fleet.cli("kms", "encrypt", "--key-id", fresh["KeyId"], "--plaintext", "aGVsbG8=")
    out = fleet.cli("kms", "get-key-last-usage", "--key-id", fresh["KeyId"])
    assert out["KeyLastUsage"]["Operation"] == "Encrypt"
    assert out["KeyLastUsage"]["KmsRequestId"] and out["KeyLastUsage"]["CloudTrailEventId"]
    old = fleet.cli("kms", "get-key-last-usage", "--key-id", fleet.key_id("alias/demo-auto"))
    assert old["KeyLastUsage"] == {} and old["KeyCreationDate"] < old["TrackingStartDate"]
    assert fleet.cli_error("kms", "get-key-last-usage", "--key-id", "alias/demo-auto").code == \
        "NotFoundException"
