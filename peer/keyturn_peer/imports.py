"""Imported key material: GetParametersForImport, ImportKeyMaterial and
DeleteImportedKeyMaterial, with a real RSA unwrap (docs/kms.md §2.13 GetParametersForImport,
§2.14 ImportKeyMaterial, §2.15 DeleteImportedKeyMaterial, §3.8 Key material; moto has none of
them: docs/peer.md "Imported key material").

What the peer keeps, on the Extra of the key that owns the rotation state (a multi-Region set's
primary, keys.rotation_owner), per key ARN, because each key of a set imports on its own:
`x.imported[arn][material_id]` is an `Imported` record. A material without a record counts as
imported and never expiring (the seed makes such keys without knowing their material).

The material itself is never stored: only its SHA-256, to recognise the same material again.
A KeyMaterialId is derived from the key ID and the material (docs/kms.md §2.14: "based on the
KMS key ID and the imported key material"), so the same material imported into a replica gets
the same id as in its primary. How KMS derives it is not published; the peer uses SHA-256.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding
from moto.kms.models import Key

from . import errors, keys

# WrappingAlgorithm and WrappingKeySpec enums (docs/kms.md §2.13 GetParametersForImport).
WRAPPING_ALGORITHMS = ("RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256",
                       "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256", "SM2PKE")
WRAPPING_KEY_SPECS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096, "SM2": None}
# A public key and import token are valid for 24 hours (§2.13).
PARAMETERS_SECONDS = 24 * 3600
# ValidTo: in the future, at most 365 days after the request (§2.14 ImportKeyMaterial).
MAX_VALID_SECONDS = 365 * 86400
# Blob members: 1..6144 bytes (§2.14).
MAX_BLOB_BYTES = 6144
# A SYMMETRIC_DEFAULT key's material is 256 bits (§2.14).
SYMMETRIC_MATERIAL_BYTES = 32
_DESCRIPTION = re.compile(r"^[a-zA-Z0-9:/_\s.-]+$")
_MATERIAL_ID = re.compile(r"^[a-f0-9]{64}$")
_TOKEN_PREFIX = b"keyturn-peer-import-token:"


@dataclass
class Imported:
    """One key's import of one material."""

    digest: str | None  # SHA-256 of the material; None: seeded, material unknown
    import_state: str = "IMPORTED"  # IMPORTED | PENDING_IMPORT (RotationsListEntry.ImportState)
    description: str | None = None
    expiration_model: str = "KEY_MATERIAL_DOES_NOT_EXPIRE"
    valid_to: float | None = None


@dataclass
class Parameters:
    """What one GetParametersForImport answer is good for."""

    key_arn: str
    private_key: rsa.RSAPrivateKey
    algorithm: str
    valid_to: float


def records(key: Key) -> dict[str, Imported]:
    """`key`'s own import records, by material id."""
    return keys.extra(keys.rotation_owner(key)).imported.setdefault(key.arn, {})


def record(key: Key, material_id: str) -> Imported:
    return records(key).get(material_id) or Imported(digest=None)


def material_id(key: Key, material: bytes) -> str:
    return hashlib.sha256(key.id.encode() + b"\0" + material).hexdigest()


def associated(key: Key) -> list[str]:
    """The materials that are the key's for good: the first and every rotated-in one (pending
    material is not, §3.8)."""
    owner = keys.rotation_owner(key)
    ids = [keys.extra(owner).initial_material_id]
    ids += [e["KeyMaterialId"] for e in owner.rotations if "KeyMaterialId" in e]
    return ids


def pending_state(key: Key) -> str | None:
    """The KeyMaterialState of the set's pending material as `key` sees it, or None: the primary
    sees PENDING_MULTI_REGION_IMPORT_AND_ROTATION until every replica has it (§3.8), a replica
    sees PENDING_ROTATION once it has it itself."""
    owner = keys.rotation_owner(key)
    pending = keys.extra(owner).pending_material_id
    if pending is None:
        return None
    if keys.is_replica(key):
        return "PENDING_ROTATION" if pending in records(key) else None
    missing = replicas_missing(owner)
    return "PENDING_MULTI_REGION_IMPORT_AND_ROTATION" if missing else "PENDING_ROTATION"


def replicas(primary: Key) -> list[Key]:
    if not primary.multi_region:
        return []
    found = []
    for r in primary.multi_region_configuration.get("ReplicaKeys", []):
        replica = keys.backend(primary.account_id, r["Region"]).keys.get(primary.id)
        if replica is not None:
            found.append(replica)
    return found


def replicas_missing(primary: Key) -> list[str]:
    """Regions of the replicas that have not imported the pending material."""
    pending = keys.extra(primary).pending_material_id
    return [r.region for r in replicas(primary)
            if primary.origin == "EXTERNAL" and pending not in records(r)]


def _b64(params: dict[str, Any], member: str, wire: str) -> bytes:
    value = params.get(member)
    if value is None:
        raise errors.validation(wire, None, "Member must not be null")
    if not isinstance(value, str):
        raise errors.serialization(f"{member} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise errors.serialization(f"{member} is not valid base64") from None
    if not 1 <= len(raw) <= MAX_BLOB_BYTES:
        raise errors.validation(wire, "<blob>",
                                f"Member must have length between 1 and {MAX_BLOB_BYTES}")
    return raw


def _check_external(key: Key) -> None:
    if key.origin != "EXTERNAL":
        raise errors.unsupported(f"{key.arn} origin is {key.origin}, not EXTERNAL. Key material "
                                 "can be imported only into KMS keys with EXTERNAL origin.")


def get_parameters(key: Key, params: dict[str, Any], state: Any, now: float) -> dict[str, Any]:
    algorithm = params.get("WrappingAlgorithm")
    spec = params.get("WrappingKeySpec")
    if algorithm not in WRAPPING_ALGORITHMS:
        raise errors.validation("wrappingAlgorithm", algorithm,
                                "Member must satisfy enum value set: ["
                                + ", ".join(WRAPPING_ALGORITHMS) + "]")
    if spec not in WRAPPING_KEY_SPECS:
        raise errors.validation("wrappingKeySpec", spec,
                                "Member must satisfy enum value set: ["
                                + ", ".join(WRAPPING_KEY_SPECS) + "]")
    _check_external(key)
    # PendingDeletion (and the other transitional states) refuse it (docs/kms.md §3.2 Key
    # states); Enabled, Disabled and PendingImport allow it.
    if key.key_state not in ("Enabled", "Disabled", "PendingImport"):
        raise errors.invalid_state(key.arn, key.key_state)
    # RSAES_PKCS1_V1_5 is no longer supported since 2023-10-10; SM2 is for China Regions only
    # (§2.13). The error codes are the peer's choice.
    if algorithm == "RSAES_PKCS1_V1_5":
        raise errors.unsupported("The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.")
    if spec == "SM2" or algorithm == "SM2PKE":
        raise errors.unsupported("SM2 wrapping keys are supported only in China Regions.")
    private = rsa.generate_private_key(public_exponent=65537, key_size=WRAPPING_KEY_SPECS[spec])
    public = private.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    token = _TOKEN_PREFIX + secrets.token_bytes(512)
    valid_to = now + PARAMETERS_SECONDS
    state.import_parameters[token] = Parameters(key.arn, private, algorithm, valid_to)
    return {
        "KeyId": key.arn,
        "ImportToken": base64.b64encode(token).decode(),
        "PublicKey": base64.b64encode(public).decode(),
        "ParametersValidTo": valid_to,
    }


def unwrap(p: Parameters, wrapped: bytes) -> bytes:
    """The material inside `wrapped` (docs/kms.md §2.13: RSAES_OAEP_* wrap the material with the
    public key; RSA_AES_KEY_WRAP_* wrap an AES key with it, RSA-OAEP, followed by the material
    wrapped with that AES key, AES key wrap with padding, RFC 5649)."""
    sha = hashes.SHA1() if p.algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=sha), algorithm=sha, label=None)
    try:
        if p.algorithm.startswith("RSAES_OAEP"):
            return p.private_key.decrypt(wrapped, oaep)
        size = p.private_key.key_size // 8
        aes_key = p.private_key.decrypt(wrapped[:size], oaep)
        return aes_key_unwrap_with_padding(aes_key, wrapped[size:])
    except (ValueError, InvalidUnwrap):
        raise errors.KmsError("InvalidCiphertextException",
                              "KMS could not decrypt the wrapped key material.") from None


def import_material(key: Key, params: dict[str, Any], state: Any, now: float) -> dict[str, Any]:
    token = _b64(params, "ImportToken", "importToken")
    wrapped = _b64(params, "EncryptedKeyMaterial", "encryptedKeyMaterial")
    model = params.get("ExpirationModel", "KEY_MATERIAL_EXPIRES")  # the default (§2.14)
    if model not in ("KEY_MATERIAL_EXPIRES", "KEY_MATERIAL_DOES_NOT_EXPIRE"):
        raise errors.validation("expirationModel", model, "Member must satisfy enum value set: "
                                "[KEY_MATERIAL_EXPIRES, KEY_MATERIAL_DOES_NOT_EXPIRE]")
    valid_to = params.get("ValidTo")
    if model == "KEY_MATERIAL_EXPIRES":
        if valid_to is None:
            raise errors.validation("validTo", None, "ValidTo is required when ExpirationModel "
                                    "is KEY_MATERIAL_EXPIRES")
        if isinstance(valid_to, bool) or not isinstance(valid_to, (int, float)):
            raise errors.serialization(f"ValidTo must be a timestamp, got {valid_to!r}")
        if not now < valid_to <= now + MAX_VALID_SECONDS:
            raise errors.validation("validTo", valid_to, "ValidTo must be in the future and at "
                                    "most 365 days from now")
    elif valid_to is not None:
        raise errors.validation("validTo", valid_to, "ValidTo is not valid when ExpirationModel "
                                "is KEY_MATERIAL_DOES_NOT_EXPIRE")
    import_type = params.get("ImportType")
    if import_type not in (None, "NEW_KEY_MATERIAL", "EXISTING_KEY_MATERIAL"):
        raise errors.validation("importType", import_type, "Member must satisfy enum value set: "
                                "[NEW_KEY_MATERIAL, EXISTING_KEY_MATERIAL]")
    description = params.get("KeyMaterialDescription")
    if description is not None and (not isinstance(description, str) or len(description) > 256
                                    or (description and not _DESCRIPTION.match(description))):
        raise errors.validation("keyMaterialDescription", description,
                                "Member must satisfy regular expression pattern: "
                                "^[a-zA-Z0-9:/_\\s.-]+$")
    wanted_id = params.get("KeyMaterialId")
    if wanted_id is not None and (not isinstance(wanted_id, str)
                                  or not _MATERIAL_ID.match(wanted_id)):
        raise errors.validation("keyMaterialId", wanted_id,
                                "Member must satisfy regular expression pattern: ^[a-f0-9]+$")
    _check_external(key)
    # Its KeyState must be PendingImport or Enabled (§2.14).
    if key.key_state not in ("Enabled", "PendingImport"):
        if key.key_state == "Disabled":
            raise errors.disabled(key.arn)
        raise errors.invalid_state(key.arn, key.key_state)
    p = state.import_parameters.get(token)
    if p is None or p.key_arn != key.arn:
        raise errors.KmsError("InvalidImportTokenException", "The import token is invalid or "
                              "belongs to a different KMS key.")
    if now >= p.valid_to:
        raise errors.KmsError("ExpiredImportTokenException", "The import token has expired. Use "
                              "GetParametersForImport to get a new one.")
    material = unwrap(p, wrapped)
    symmetric = (key.key_spec or keys.SYMMETRIC) == keys.SYMMETRIC
    if symmetric and len(material) != SYMMETRIC_MATERIAL_BYTES:
        raise errors.KmsError("IncorrectKeyMaterialException", "The key material must be 256 "
                              f"bits (32 bytes) for a SYMMETRIC_DEFAULT key, not {len(material)} "
                              "bytes.")
    digest = hashlib.sha256(material).hexdigest()
    mid = material_id(key, material)
    if wanted_id is not None and wanted_id != mid:
        raise errors.KmsError("IncorrectKeyMaterialException", "The key material does not match "
                              f"the key material ID {wanted_id}.")
    owner = keys.rotation_owner(key)
    x = keys.extra(owner)
    mine = records(key)
    first = key.arn not in x.ever_imported
    if import_type is None:
        # NEW when nothing was ever imported into the key, else EXISTING (§2.14).
        import_type = "NEW_KEY_MATERIAL" if first else "EXISTING_KEY_MATERIAL"
    if import_type == "NEW_KEY_MATERIAL" and wanted_id is not None:
        raise errors.validation("keyMaterialId", wanted_id, "KeyMaterialId cannot be specified "
                                "with ImportType NEW_KEY_MATERIAL")
    previous = mine.get(mid)
    new_record = Imported(digest=digest, description=description if description is not None
                          else (previous.description if previous else None),
                          expiration_model=model,
                          valid_to=float(valid_to) if valid_to is not None else None)
    replica = keys.is_replica(key)
    known = set(associated(key))
    if x.pending_material_id is not None:
        known.add(x.pending_material_id)
    if replica:
        # A replica imports only material of its set: the primary's, with the same id (§2.14,
        # "You cannot directly import new key material into the replica Region keys").
        if mid not in known:
            raise errors.KmsError("IncorrectKeyMaterialException", "This is not key material of "
                                  "the multi-Region key. Import new key material into the "
                                  "primary key first.")
        if import_type == "NEW_KEY_MATERIAL" and not first:
            raise errors.unsupported(f"{key.arn} is a replica key. Import new key material into "
                                     "the primary key, then the same material into each "
                                     "replica with ImportType EXISTING_KEY_MATERIAL.")
    elif import_type == "NEW_KEY_MATERIAL":
        if first:
            # The first material: the key's own (§3.8).
            x.initial_material_id = mid
        else:
            if not symmetric:
                raise errors.KmsError("IncorrectKeyMaterialException", "The key material of "
                                      "an asymmetric or HMAC key cannot change after its first "
                                      "import.")
            if mid in known:
                raise errors.KmsError("IncorrectKeyMaterialException", "This key material is "
                                      "already associated with the KMS key. Use ImportType "
                                      "EXISTING_KEY_MATERIAL to reimport it.")
            if x.pending_material_id is not None:
                # Pending material must be deleted before other material takes its place (§3.8);
                # the error code is the peer's choice.
                raise errors.invalid_state(key.arn, "waiting to rotate to key material "
                                           f"{x.pending_material_id}; delete it first")
            x.pending_material_id = mid
    else:
        if mid not in known:
            raise errors.KmsError("IncorrectKeyMaterialException", "This is not key material "
                                  "that was imported into this KMS key before.")
    mine[mid] = new_record
    x.ever_imported.add(key.arn)
    refresh_state(key)
    return {"KeyId": key.arn, "KeyMaterialId": mid}


def refresh_state(key: Key) -> None:
    """Enabled once every material of a symmetric key is imported; PendingImport while one is
    not (§2.14, §2.15). PendingDeletion and Disabled stay as they are."""
    if key.key_state not in ("Enabled", "PendingImport"):
        return
    mine = records(key)
    complete = key.arn in keys.extra(keys.rotation_owner(key)).ever_imported and all(
        (mine.get(mid) or Imported(digest=None)).import_state == "IMPORTED"
        for mid in associated(key))
    if key.key_state == "PendingImport" and complete:
        key.key_state, key.enabled = "Enabled", True
    elif key.key_state == "Enabled" and not complete:
        key.key_state, key.enabled = "PendingImport", False


def delete_material(key: Key, params: dict[str, Any]) -> dict[str, Any]:
    wanted = params.get("KeyMaterialId")
    if wanted is not None and (not isinstance(wanted, str) or not _MATERIAL_ID.match(wanted)):
        raise errors.validation("keyMaterialId", wanted,
                                "Member must satisfy regular expression pattern: ^[a-f0-9]+$")
    _check_external(key)
    if key.key_state not in ("Enabled", "Disabled", "PendingImport", "PendingDeletion"):
        raise errors.invalid_state(key.arn, key.key_state)
    owner = keys.rotation_owner(key)
    x = keys.extra(owner)
    mine = records(key)
    if key.key_state == "PendingImport" and key.arn not in x.ever_imported:
        raise errors.invalid_state(key.arn, "pending import")
    mid = wanted if wanted is not None else keys.current_material_id(key)
    if mid == x.pending_material_id and (not keys.is_replica(key) or mid in mine):
        if keys.is_replica(key):
            # A replica's copy goes; the primary and the other replicas keep theirs (§2.15).
            del mine[mid]
        else:
            # Deleting the primary's pending material deletes the replicas' copies too (§2.15).
            x.pending_material_id = None
            for k in [owner, *replicas(owner)]:
                records(k).pop(mid, None)
        return {"KeyId": key.arn, "KeyMaterialId": mid}
    if mid not in associated(key):
        raise errors.not_found(f"Key material {mid} is not associated with {key.arn}.")
    before = mine.get(mid) or Imported(digest=None)
    mine[mid] = Imported(digest=before.digest, import_state="PENDING_IMPORT",
                         description=before.description, expiration_model=before.expiration_model,
                         valid_to=None)
    # PendingImport, unless the key is pending deletion (§2.15).
    if key.key_state != "PendingDeletion":
        key.key_state, key.enabled = "PendingImport", False
    return {"KeyId": key.arn, "KeyMaterialId": mid}


def expire(key: Key, now: float) -> None:
    """Material whose ValidTo has passed is deleted: the key becomes unusable (§2.14)."""
    if key.origin != "EXTERNAL":
        return
    mine = records(key)
    expired = [mid for mid, r in mine.items() if r.import_state == "IMPORTED"
               and r.valid_to is not None and r.valid_to <= now and mid in associated(key)]
    for mid in expired:
        r = mine[mid]
        mine[mid] = Imported(digest=r.digest, import_state="PENDING_IMPORT",
                             description=r.description, expiration_model=r.expiration_model)
    if expired and key.key_state not in ("PendingDeletion",):
        key.key_state, key.enabled = "PendingImport", False


def entry_fields(key: Key, mid: str) -> dict[str, Any]:
    """The EXTERNAL-only members of a RotationsListEntry, from `key`'s own record (§2.6)."""
    r = record(key, mid)
    out: dict[str, Any] = {"ImportState": r.import_state, "ExpirationModel": r.expiration_model}
    if r.valid_to is not None and r.expiration_model == "KEY_MATERIAL_EXPIRES":
        out["ValidTo"] = r.valid_to
    if r.description:
        out["KeyMaterialDescription"] = r.description
    return out
