"""Key lookup and DescribeKey metadata, over moto's in-process KMS backends.

Moto's own DescribeKey is not used: it leaves KeyUsage/MultiRegion null, always says
KeyManager CUSTOMER, flips a primary to REPLICA when a replica is described, and
accepts ARNs of other regions (docs/peer.md "Where moto is not KMS").

Every lookup names its account: the account of the caller (auth.account_of), whose keys are
`kms_backends[account][region]`. No key policies are modelled, so a caller sees only its own
account's keys, and a key ARN of another account is NotFoundException.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.core.utils import unix_time
from moto.kms.models import Key, KmsBackend, kms_backends

from . import errors

# Key ID: a UUID; multi-Region keys `mrk-` + 32 hex (docs/kms.md §1.9 Key identifiers). Moto
# makes `mrk-<uuid>`, so that form is accepted too.
_KEY_ID = re.compile(
    r"^(mrk-[0-9a-f]{32}|(mrk-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE,
)
# Key and alias ARNs (docs/kms.md §1.9 Key identifiers).
_ARN = re.compile(r"^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)/(.+)$")

SYMMETRIC = "SYMMETRIC_DEFAULT"
CUSTOM_KEY_STORE_ORIGINS = ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")


@dataclass
class Extra:
    """What the peer keeps per key beyond moto's Key object (attached as `key.keyturn`)."""

    initial_material_id: str
    rotation_period_days: int = 365
    # Start of the current automatic-rotation interval: when rotation was enabled or last ran.
    rotation_anchor: float = 0.0
    on_demand_started: float | None = None
    # EXTERNAL keys: imported material waiting for RotateKeyOnDemand (docs/kms.md §3.8 Key
    # material).
    pending_material_id: str | None = None
    custom_key_store_id: str | None = None
    cloud_hsm_cluster_id: str | None = None
    # Eventual consistency (consistency.py): when reads start to see the latest on-demand
    # rotation, the KeyMaterialId of its completed entry while reads do not see it yet, and the
    # rotation settings from before changes reads do not see yet: (visible_at, (enabled,
    # period_days, anchor)), oldest first.
    on_demand_visible_at: float | None = None
    unseen_material_id: str | None = None
    unseen_settings: list[tuple[float, tuple[bool, int, float]]] = field(default_factory=list)
    # EXTERNAL keys, per key ARN (each key of a multi-Region set imports on its own): the
    # import records by material id, and the keys into which material was ever imported
    # (imports.py).
    imported: dict[str, dict[str, Any]] = field(default_factory=dict)
    ever_imported: set[str] = field(default_factory=set)
    # GetKeyLastUsage, per key ARN (each key of a set tracks its own use: lastuse.py).
    last_use: dict[str, dict[str, Any]] = field(default_factory=dict)


def new_material_id() -> str:
    # KeyMaterialId: exactly 64 hex characters (docs/kms.md §2.6 ListKeyRotations).
    return secrets.token_hex(32)


def extra(key: Key) -> Extra:
    found = key.__dict__.get("keyturn")
    if found is None:
        found = Extra(initial_material_id=new_material_id(), rotation_anchor=key.creation_date)
        key.keyturn = found
    return found


def backend(account: str, region: str) -> KmsBackend:
    return kms_backends[account][region]


def key_arn(account: str, region: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def alias_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:kms:{region}:{account}:{name}"


def is_replica(key: Key) -> bool:
    # Decided from the ARNs, never from moto's shared MultiRegionKeyType field (docs/peer.md
    # "Where moto is not KMS").
    if not key.multi_region:
        return False
    return key.arn != key.multi_region_configuration["PrimaryKey"]["Arn"]


def rotation_owner(key: Key) -> Key:
    """The key whose rotation state applies: a replica shares its primary's (docs/kms.md §3.1
    Which keys can rotate: the setting propagates, the whole set rotates)."""
    if not is_replica(key):
        return key
    primary = key.multi_region_configuration["PrimaryKey"]
    return backend(key.account_id, primary["Region"]).keys.get(key.id, key)


def give_mrk_id(key: Key) -> None:
    """Real multi-Region key IDs are `mrk-` + 32 hex (docs/kms.md §1.9 Key identifiers); moto
    makes `mrk-<uuid>`. Re-key a new primary (before it has replicas or aliases)."""
    be = backend(key.account_id, key.region)
    be.keys.pop(key.id)
    key.id = "mrk-" + uuid.uuid4().hex
    key.arn = key_arn(key.account_id, key.region, key.id)
    key.multi_region_configuration["PrimaryKey"]["Arn"] = key.arn
    be.keys[key.id] = key


def find_alias(be: KmsBackend, name: str) -> Key | None:
    for key in be.keys.values():
        if name in key.aliases:
            return key
    return None


def resolve(account: str, region: str, key_id: Any, *, allow_alias: bool,
            state: Any = None) -> Key:
    """Find a key of `account` in `region` by ID, key ARN and (when the operation takes one) alias
    name or alias ARN.

    Only DescribeKey takes aliases among the console's operations; the rotation, tag and policy
    operations take the key ID or key ARN (docs/kms.md §1.9 Key identifiers). An alias there
    is rejected with NotFoundException instead of moto's HTML 500 (docs/peer.md "Key metadata
    and key IDs").
    """
    if not isinstance(key_id, str) or not key_id:
        raise errors.validation("keyId", key_id, "Member must not be null")
    if len(key_id) > 2048:  # KeyIdType 1..2048 (docs/kms.md §1.3 Responses and data types)
        raise errors.validation(
            "keyId", key_id, "Member must have length less than or equal to 2048"
        )
    be = backend(account, region)
    name: str | None = None
    if key_id.startswith("arn:"):
        match = _ARN.match(key_id)
        if match is None:
            raise errors.invalid_arn(f"Invalid arn {key_id}")
        _, arn_region, arn_account, kind, rest = match.groups()
        if arn_region != region or arn_account != account:
            # An ARN of another region names no key here (docs/peer.md "Key metadata and key
            # IDs"); nor does one of another account, whose keys the caller cannot see (no key
            # policies are modelled).
            raise errors.not_found(f"Key '{key_id}' does not exist")
        if kind == "alias":
            name = f"alias/{rest}"
        else:
            key_id = rest
    elif key_id.startswith("alias/"):
        name = key_id
    if name is not None:
        if not allow_alias:
            raise errors.not_found(f"Invalid keyId {key_id}")
        key = find_alias(be, name)
        if key is None and state is not None:
            key = state.create_predefined_key(account, region, name)
        if key is None:
            raise errors.not_found(f"Alias {alias_arn(account, region, name)} is not found.")
        return key
    if not _KEY_ID.match(key_id):
        raise errors.not_found(f"Invalid keyId {key_id}")
    key = be.keys.get(key_id)
    if key is None:
        raise errors.not_found(f"Key '{key_arn(account, region, key_id)}' does not exist")
    return key


def default_usage(spec: str) -> str:
    if spec.startswith("HMAC_"):
        return "GENERATE_VERIFY_MAC"
    if spec.startswith("ECC_") or spec.startswith("ML_DSA"):
        return "SIGN_VERIFY"
    return "ENCRYPT_DECRYPT"


def current_material_id(key: Key) -> str:
    owner = rotation_owner(key)
    # A rotation reads do not see yet has not changed the current material either (consistency.py).
    unseen = extra(owner).unseen_material_id
    for entry in reversed(owner.rotations):
        if "KeyMaterialId" in entry and entry["KeyMaterialId"] != unseen:
            return entry["KeyMaterialId"]
    return extra(owner).initial_material_id


def metadata(key: Key) -> dict[str, Any]:
    """KeyMetadata with every member docs/kms.md §2.4 DescribeKey lists; optional members are
    left out rather than sent as null (§1.3 Responses and data types)."""
    spec = key.key_spec or SYMMETRIC
    usage = key.key_usage or default_usage(spec)
    x = extra(key)
    md: dict[str, Any] = {
        "AWSAccountId": key.account_id,
        "KeyId": key.id,
        "Arn": key.arn,
        "CreationDate": key.creation_date,
        # Enabled is true only when KeyState is Enabled.
        "Enabled": key.key_state == "Enabled",
        "Description": key.description or "",
        "KeyUsage": usage,
        "KeyState": key.key_state,
        "Origin": key.origin,
        "KeyManager": key.key_manager,
        "CustomerMasterKeySpec": spec,
        "KeySpec": spec,
        "MultiRegion": bool(key.multi_region),
    }
    if key.key_state == "PendingDeletion" and key.deletion_date is not None:
        md["DeletionDate"] = unix_time(key.deletion_date)  # only in PendingDeletion
    if usage == "ENCRYPT_DECRYPT":
        md["EncryptionAlgorithms"] = (
            ["SYMMETRIC_DEFAULT"] if spec == SYMMETRIC else ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
        )
    elif usage == "SIGN_VERIFY":
        md["SigningAlgorithms"] = key.signing_algorithms or []
    elif usage == "GENERATE_VERIFY_MAC":
        md["MacAlgorithms"] = [f"HMAC_SHA_{spec.split('_')[1]}"]
    elif usage == "KEY_AGREEMENT":
        md["KeyAgreementAlgorithms"] = ["ECDH"]
    if key.origin == "EXTERNAL" and key.key_state != "PendingImport":
        # EXTERNAL only: the current material's expiration (docs/kms.md §2.4 DescribeKey).
        from . import imports
        current = imports.record(key, current_material_id(key))
        md["ExpirationModel"] = current.expiration_model
        if current.valid_to is not None and current.expiration_model == "KEY_MATERIAL_EXPIRES":
            md["ValidTo"] = current.valid_to
    if x.custom_key_store_id:
        md["CustomKeyStoreId"] = x.custom_key_store_id
    if x.cloud_hsm_cluster_id:
        md["CloudHsmClusterId"] = x.cloud_hsm_cluster_id
    if key.multi_region:
        config = key.multi_region_configuration
        md["MultiRegionConfiguration"] = {
            "MultiRegionKeyType": "REPLICA" if is_replica(key) else "PRIMARY",
            "PrimaryKey": dict(config["PrimaryKey"]),
            "ReplicaKeys": [dict(r) for r in config["ReplicaKeys"]],
        }
    # Symmetric keys of origin AWS_KMS or EXTERNAL carry their current material (docs/kms.md
    # §3.8 Key material).
    if spec == SYMMETRIC and key.origin in ("AWS_KMS", "EXTERNAL") and key.key_state != "PendingImport":
        md["CurrentKeyMaterialId"] = current_material_id(key)
    return md


def now() -> float:
    return time.time()
