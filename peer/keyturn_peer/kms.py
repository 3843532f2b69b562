"""The KMS operations the console uses, answered by the front instead of moto's KmsResponse.

Each handler gets the request context and the JSON params and returns the output object, or
None for operations without output. Everything else goes to moto unchanged (see front.py).
Every handler works on the caller's account (`ctx.account`): its keys, its aliases, and markers
that are valid only for the account that got them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from moto.kms.models import Key, kms_backends

from . import errors, imports, keys, lastuse, paging, rotation
from .auth import Caller
from .state import PeerState


@dataclass
class Ctx:
    region: str
    caller: Caller
    now: float
    state: PeerState

    @property
    def account(self) -> str:
        return self.caller.account

    def key(self, params: dict[str, Any], action: str, *, allow_alias: bool = False) -> Key:
        """Resolve `KeyId`, check the caller may run `action` on it, finish due rotations."""
        key = keys.resolve(self.account, self.region, params.get("KeyId"),
                           allow_alias=allow_alias, state=self.state)
        self.caller.authorize(action, key.arn)
        rotation.settle(key, self.now, self.state.rotation_seconds)
        return key


def list_keys(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    ctx.caller.authorize("kms:ListKeys", "*")
    owners = p.get("ResourceOwners") or ["SELF"]
    # ResourceOwners: 1..2 of SELF | OTHER_ACCOUNTS_VIA_RAM; no key is shared via RAM here, and a
    # marker is only valid with the same value (docs/kms.md §2.2 ListKeys).
    if not isinstance(owners, list) or not owners or len(owners) > 2 or any(
        o not in ("SELF", "OTHER_ACCOUNTS_VIA_RAM") for o in owners
    ):
        raise errors.validation("resourceOwners", owners,
                                "Member must satisfy enum value set: [SELF, OTHER_ACCOUNTS_VIA_RAM]")
    items = [{"KeyId": k.id, "KeyArn": k.arn}
             for k in keys.backend(ctx.account, ctx.region).keys.values()]
    scope = f"ListKeys:{ctx.account}:{ctx.region}:{','.join(sorted(owners))}"
    out = paging.page(items, p, scope, default_limit=100)  # default 100 (docs/kms.md §2.2 ListKeys)
    return {"Keys": out.pop("_items"), **out}


def list_aliases(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    ctx.caller.authorize("kms:ListAliases", "*")
    be = keys.backend(ctx.account, ctx.region)
    only: Key | None = None
    if p.get("KeyId") is not None:
        # The KeyId filter takes a key ID or key ARN of this account (docs/kms.md §2.3 ListAliases).
        only = keys.resolve(ctx.account, ctx.region, p["KeyId"], allow_alias=False)
    rows: list[dict[str, Any]] = []
    for key in be.keys.values():
        if only is not None and key is not only:
            continue
        for alias in key.aliases.values():
            created = alias.__dict__.setdefault("creation_date", ctx.now)
            rows.append({
                "AliasName": alias.alias_name,
                "AliasArn": alias.alias_arn,
                "TargetKeyId": key.id,
                "CreationDate": created,
                "LastUpdatedDate": alias.__dict__.get("last_updated_date", created),
            })
    if only is None:
        # Predefined `alias/aws/*` names without a key yet carry no TargetKeyId (docs/kms.md
        # §2.3 ListAliases).
        for name, info in ctx.state.predefined.get((ctx.account, ctx.region), {}).items():
            rows.append({
                "AliasName": name,
                "AliasArn": keys.alias_arn(ctx.account, ctx.region, name),
                "CreationDate": info["created"],
                "LastUpdatedDate": info["created"],
            })
    rows.sort(key=lambda r: r["AliasName"])
    scope = f"ListAliases:{ctx.account}:{ctx.region}:{only.id if only else ''}"
    # Default 50; the model allows up to 1000 though the docs say 100 (docs/kms.md §2.3
    # ListAliases).
    out = paging.page(rows, p, scope, default_limit=50)
    return {"Aliases": out.pop("_items"), **out}


def describe_key(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    # DescribeKey takes key ID, key ARN, alias name or alias ARN (docs/kms.md §2.4 DescribeKey).
    key = ctx.key(p, "kms:DescribeKey", allow_alias=True)
    return {"KeyMetadata": keys.metadata(key)}


def get_key_rotation_status(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    key = ctx.key(p, "kms:GetKeyRotationStatus")
    rotation.check_readable(key, include_pending_import=True)
    return rotation.status(key)


def list_key_rotations(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    include = p.get("IncludeKeyMaterial", "ROTATIONS_ONLY")
    # ALL_KEY_MATERIAL | ROTATIONS_ONLY, default ROTATIONS_ONLY (docs/kms.md §2.6 ListKeyRotations).
    if include not in ("ALL_KEY_MATERIAL", "ROTATIONS_ONLY"):
        raise errors.validation("includeKeyMaterial", include,
                                "Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]")
    key = ctx.key(p, "kms:ListKeyRotations")
    rotation.check_readable(key, include_pending_import=False)
    rows = rotation.entries(key, include_all=include == "ALL_KEY_MATERIAL")
    scope = f"ListKeyRotations:{ctx.account}:{ctx.region}:{key.id}:{include}"
    out = paging.page(rows, p, scope, default_limit=100)  # 1..1000, default 100 (§2.6, as above)
    return {"Rotations": out.pop("_items"), **out}


def rotate_key_on_demand(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    key = ctx.key(p, "kms:RotateKeyOnDemand")
    rotation.check_rotatable(key, ctx.caller.arn, ctx.now)
    rotation.start_on_demand(key, ctx.now, ctx.state.consistency_seconds)
    # Returns at once; the rotation completes in the background (docs/kms.md §2.7
    # RotateKeyOnDemand).
    return {"KeyId": key.id}


def enable_key_rotation(ctx: Ctx, p: dict[str, Any]) -> None:
    # Input constraints are checked before the key is looked at.
    period = rotation.validate_period(p.get("RotationPeriodInDays"))
    key = ctx.key(p, "kms:EnableKeyRotation")
    rotation.check_configurable(key, ctx.caller.arn, "kms:EnableKeyRotation")
    rotation.enable(key, period, ctx.now, ctx.state.consistency_seconds)


def disable_key_rotation(ctx: Ctx, p: dict[str, Any]) -> None:
    key = ctx.key(p, "kms:DisableKeyRotation")
    rotation.check_configurable(key, ctx.caller.arn, "kms:DisableKeyRotation")
    rotation.disable(key, ctx.now, ctx.state.consistency_seconds)


def list_resource_tags(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    key = ctx.key(p, "kms:ListResourceTags")
    tags = keys.backend(ctx.account, ctx.region).tagger.list_tags_for_resource(key.id)["Tags"]
    scope = f"ListResourceTags:{ctx.account}:{ctx.region}:{key.id}"
    # Documented as 1..50, default 50 (docs/kms.md §2.10 ListResourceTags).
    out = paging.page(tags, p, scope, default_limit=50)
    return {"Tags": out.pop("_items"), **out}


def get_parameters_for_import(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    key = ctx.key(p, "kms:GetParametersForImport")
    _own_store(key)
    return imports.get_parameters(key, p, ctx.state, ctx.now)


def import_key_material(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    key = ctx.key(p, "kms:ImportKeyMaterial")
    _own_store(key)
    return imports.import_material(key, p, ctx.state, ctx.now)


def delete_imported_key_material(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    key = ctx.key(p, "kms:DeleteImportedKeyMaterial")
    _own_store(key)
    return imports.delete_material(key, p)


def _own_store(key: Key) -> None:
    # No import into a custom key store (docs/kms.md §2.13 GetParametersForImport).
    if keys.extra(key).custom_key_store_id or key.origin in keys.CUSTOM_KEY_STORE_ORIGINS:
        raise errors.unsupported(f"{key.arn} is in a custom key store. Key material cannot be "
                                 "imported into KMS keys in custom key stores.")


def replicate_key(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """ReplicateKey, served here: moto's accepts only its own `mrk-<uuid>` ids, and its shallow
    copy shares the primary's aliases and grants with the replica."""
    region = p.get("ReplicaRegion")
    if not isinstance(region, str) or not region:
        raise errors.validation("replicaRegion", region, "Member must not be null")
    key = ctx.key(p, "kms:ReplicateKey")
    if not key.multi_region or keys.is_replica(key):
        raise errors.unsupported(f"{key.arn} is not a multi-Region primary key.")
    if region == ctx.region or region not in kms_backends[ctx.account].regions:
        raise errors.validation("replicaRegion", region, "Member must be another KMS Region")
    if keys.backend(ctx.account, region).keys.get(key.id) is not None:
        raise errors.KmsError("AlreadyExistsException",
                              f"Replica key {key.id} already exists in {region}.")
    replica = keys.backend(ctx.account, ctx.region).replicate_key(key.id, region)
    replica.aliases = {}
    replica.grants = {}
    if replica.origin == "EXTERNAL":
        # A replica of an imported key starts without material: the same material is imported
        # into it (docs/kms.md §2.14 ImportKeyMaterial).
        replica.key_state, replica.enabled = "PendingImport", False
    return {"ReplicaKeyMetadata": keys.metadata(replica), "ReplicaPolicy": key.policy,
            "ReplicaTags": []}


def get_key_last_usage(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    # Key ID or key ARN, no alias (docs/kms.md §2.16 GetKeyLastUsage).
    key = ctx.key(p, "kms:GetKeyLastUsage")
    return lastuse.answer(key)


HANDLERS: dict[str, Callable[[Ctx, dict[str, Any]], dict[str, Any] | None]] = {
    "ListKeys": list_keys,
    "ListAliases": list_aliases,
    "DescribeKey": describe_key,
    "GetKeyRotationStatus": get_key_rotation_status,
    "ListKeyRotations": list_key_rotations,
    "RotateKeyOnDemand": rotate_key_on_demand,
    "EnableKeyRotation": enable_key_rotation,
    "DisableKeyRotation": disable_key_rotation,
    "ListResourceTags": list_resource_tags,
    "GetParametersForImport": get_parameters_for_import,
    "ImportKeyMaterial": import_key_material,
    "DeleteImportedKeyMaterial": delete_imported_key_material,
    "GetKeyLastUsage": get_key_last_usage,
    "ReplicateKey": replicate_key,
}


def after_moto(op: str, account: str, region: str, request: dict[str, Any],
               response: Any, request_id: str = "", now: float = 0.0) -> Any:
    """Fix moto's answer to an operation the front passed through (moto served it in the
    caller's account too), where the console's tests would otherwise see something real KMS
    never sends; and record the use of a key by a cryptographic operation (lastuse.py)."""
    for used in lastuse.used_keys(op, request, response):
        try:
            key = keys.resolve(account, region, used, allow_alias=False)
        except errors.KmsError:
            continue
        lastuse.record(key, op, now or keys.now(), request_id)
    if op == "CreateKey" and isinstance(response, dict) and "KeyMetadata" in response:
        key = keys.backend(account, region).keys.get(response["KeyMetadata"].get("KeyId", ""))
        if key is not None:
            if key.multi_region and len(key.id) != len("mrk-") + 32:
                keys.give_mrk_id(key)  # moto's `mrk-<uuid>` is not KMS's form
            if key.origin == "EXTERNAL":
                # Imported keys start without material: PendingImport (docs/peer.md "Key
                # metadata and key IDs").
                key.key_state, key.enabled = "PendingImport", False
            keys.extra(key)
            response = {"KeyMetadata": keys.metadata(key)}
    return response
