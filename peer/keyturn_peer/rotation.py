"""Rotation rules moto lacks (docs/peer.md "Rotation, status and paging"), each tied to the
section of docs/kms.md that states it.

State lives on moto's Key objects: `key.key_rotation_status` (automatic rotation on/off),
`key.rotations` (the completed RotationsListEntry dicts ListKeyRotations returns) and
`key.keyturn` (keys.Extra: period, schedule anchor, on-demand start, imported material).
Rotations complete lazily: whenever a key is looked up, `settle` finishes what is due.
"""

from __future__ import annotations

from typing import Any

from moto.kms.models import Key

from . import consistency, errors, imports, keys

# Per-key on-demand maximum: 25, not adjustable (docs/kms.md §3.5 The on-demand limit: 25 per key).
ON_DEMAND_LIMIT = 25
# RotationPeriodInDays: 90..2560, default 365 (docs/kms.md §2.8 EnableKeyRotation).
MIN_PERIOD_DAYS = 90
MAX_PERIOD_DAYS = 2560
DEFAULT_PERIOD_DAYS = 365
# AWS managed keys rotate every year, not editable (docs/kms.md §3.1 Which keys can rotate,
# §3.4 Automatic rotation).
AWS_MANAGED_PERIOD_DAYS = 365
# ConflictException: an automatic rotation is due within the next 20 minutes (docs/kms.md §3.7
# A rotation in progress, and ConflictException).
CONFLICT_WINDOW_SECONDS = 20 * 60
DAY_SECONDS = 86400


def settle(key: Key, now: float, rotation_seconds: float) -> None:
    """Complete the on-demand rotation whose time has come, and automatic rotations due."""
    key = keys.rotation_owner(key)
    x = keys.extra(key)
    # An on-demand rotation is asynchronous: OnDemandRotationStartDate shows while it runs, and
    # the ListKeyRotations entry appears only once it completes (docs/kms.md §2.7
    # RotateKeyOnDemand, §3.7 A rotation in progress, and ConflictException).
    if x.on_demand_started is not None and now >= x.on_demand_started + rotation_seconds:
        done_at = x.on_demand_started + rotation_seconds
        consistency.rotation_completed(x, complete(key, "ON_DEMAND", done_at), done_at)
        x.on_demand_started = None
    # Automatic rotation happens only for Enabled keys: a disabled key keeps its status but is
    # not rotated, a key pending deletion is not rotated (docs/kms.md §3.4 Automatic rotation).
    if key.key_rotation_status and key.key_state == "Enabled":
        due = next_rotation_date(key)
        while due is not None and due <= now:
            complete(key, "AUTOMATIC", due)
            x.rotation_anchor = due
            due = next_rotation_date(key)
    consistency.settle(x, now)
    imports.expire(key, now)
    for replica in imports.replicas(key):
        imports.expire(replica, now)


def complete(key: Key, rotation_type: str, at: float) -> str:
    """Append a completed rotation: new current material, the previous one NON_CURRENT
    (RotationsListEntry members, docs/kms.md §2.6 ListKeyRotations). Returns the new
    KeyMaterialId."""
    x = keys.extra(key)
    for entry in key.rotations:
        if entry.get("KeyMaterialState") == "CURRENT":
            entry["KeyMaterialState"] = "NON_CURRENT"
    material = x.pending_material_id or keys.new_material_id()
    x.pending_material_id = None
    entry: dict[str, Any] = {
        "KeyId": key.id,
        "KeyMaterialId": material,
        "KeyMaterialState": "CURRENT",
        "RotationDate": at,
        "RotationType": rotation_type,
    }
    # The EXTERNAL-only members come from each key's import records when read (entries).
    key.rotations.append(entry)
    return material


def next_rotation_date(key: Key) -> float | None:
    key = keys.rotation_owner(key)
    if not key.key_rotation_status:
        return None
    x = keys.extra(key)
    return x.rotation_anchor + x.rotation_period_days * DAY_SECONDS


def on_demand_count(key: Key) -> int:
    """Completed ON_DEMAND entries plus the one in progress (docs/kms.md §3.6 Counting the
    rotations left)."""
    key = keys.rotation_owner(key)
    done = sum(1 for e in key.rotations if e.get("RotationType") == "ON_DEMAND")
    return done + (1 if keys.extra(key).on_demand_started is not None else 0)


def _check_spec_and_store(key: Key) -> None:
    # Asymmetric and HMAC keys: UnsupportedOperationException (docs/kms.md §3.1 Which keys can
    # rotate).
    if (key.key_spec or keys.SYMMETRIC) != keys.SYMMETRIC:
        raise errors.unsupported(
            f"{key.arn} key spec {key.key_spec} does not support this operation. "
            "Only symmetric encryption KMS keys support key rotation."
        )
    # Custom key stores: UnsupportedOperationException (docs/kms.md §3.1 Which keys can rotate).
    if key.origin in keys.CUSTOM_KEY_STORE_ORIGINS or keys.extra(key).custom_key_store_id:
        raise errors.unsupported(
            f"{key.arn} is in a custom key store. Key rotation is not supported for KMS keys "
            "in custom key stores."
        )


def _aws_managed_denied(key: Key, caller_arn: str, action: str) -> errors.KmsError:
    # AWS managed keys: rotation is not configurable and on-demand rotation is not allowed
    # (docs/kms.md §3.1 Which keys can rotate; AccessDenied or UnsupportedOperation, unconfirmed
    # which).
    # AccessDeniedException is the peer's choice: an AWS managed key's key policy lets the
    # account read the key, not change it.
    return errors.KmsError(
        "AccessDeniedException",
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {key.arn} "
        f"because no resource-based policy allows the {action} action",
    )


def _check_state(key: Key) -> None:
    """Key-state effects on the rotation changes (docs/kms.md §3.2 Key states)."""
    state = key.key_state
    if state == "Enabled":
        return
    if state == "Disabled":
        raise errors.disabled(key.arn)
    if state == "Unavailable":
        raise errors.unsupported(f"{key.arn} is unavailable.")
    # PendingDeletion, PendingImport for RotateKeyOnDemand, PendingReplicaDeletion/Creating/
    # Updating: KMSInvalidStateException.
    raise errors.invalid_state(key.arn, _STATE_WORDS.get(state, state))


_STATE_WORDS = {
    "PendingDeletion": "pending deletion",
    "PendingImport": "pending import",
    "PendingReplicaDeletion": "pending replica deletion",
    "Creating": "being created",
    "Updating": "being updated",
}


def check_configurable(key: Key, caller_arn: str, action: str) -> None:
    """EnableKeyRotation / DisableKeyRotation (docs/kms.md §3.1 Which keys can rotate, §3.2 Key
    states)."""
    if key.key_manager == "AWS":
        raise _aws_managed_denied(key, caller_arn, action)
    _check_spec_and_store(key)
    # Imported material is never rotated automatically; also covers PendingImport (docs/kms.md
    # §3.1 Which keys can rotate, §3.2 Key states).
    if key.origin == "EXTERNAL":
        raise errors.unsupported(
            f"{key.arn} origin is EXTERNAL. Automatic key rotation is not supported for KMS keys "
            "with imported key material."
        )
    # Replicas: set it on the primary; the code is unconfirmed, likely UnsupportedOperation
    # (docs/kms.md §3.1 Which keys can rotate).
    if keys.is_replica(key):
        raise errors.unsupported(
            f"{key.arn} is a replica key. Manage key rotation on the primary key "
            f"{key.multi_region_configuration['PrimaryKey']['Arn']}."
        )
    # Ineligibility wins over state (docs/kms.md §3.2 Key states).
    _check_state(key)


def check_readable(key: Key, include_pending_import: bool) -> None:
    """GetKeyRotationStatus / ListKeyRotations (docs/kms.md §3.1 Which keys can rotate, §3.2 Key
    states)."""
    _check_spec_and_store(key)
    # PendingImport: UnsupportedOperationException for GetKeyRotationStatus (the 2020 table in
    # docs/kms.md §3.2 Key states).
    # For ListKeyRotations that cell is unconfirmed: it answers with the (empty) list.
    if include_pending_import and key.key_state == "PendingImport":
        raise errors.unsupported(f"{key.arn} has no key material (PendingImport).")
    if key.key_state == "Unavailable":
        raise errors.unsupported(f"{key.arn} is unavailable.")
    # Disabled and PendingDeletion keys stay readable.


def check_rotatable(key: Key, caller_arn: str, now: float) -> None:
    """RotateKeyOnDemand (docs/kms.md §3.1 Which keys can rotate, §3.2 Key states, §3.5 The
    on-demand limit: 25 per key, §3.7 A rotation in progress, and ConflictException)."""
    if key.key_manager == "AWS":
        raise _aws_managed_denied(key, caller_arn, "kms:RotateKeyOnDemand")
    _check_spec_and_store(key)
    # Only the primary of a multi-Region set can be rotated (docs/kms.md §3.1 Which keys can
    # rotate).
    if keys.is_replica(key):
        raise errors.unsupported(
            f"{key.arn} is a replica key. On-demand rotation is supported only on the primary key "
            f"{key.multi_region_configuration['PrimaryKey']['Arn']}."
        )
    # Disabled: DisabledException; PendingDeletion/PendingImport: KMSInvalidState (probably);
    # Unavailable: UnsupportedOperation (docs/kms.md §3.2 Key states).
    _check_state(key)
    x = keys.extra(key)
    # EXTERNAL keys rotate only onto new imported material in PENDING_ROTATION (docs/kms.md
    # §3.1 Which keys can rotate, §3.8 Key material).
    if key.origin == "EXTERNAL" and x.pending_material_id is None:
        raise errors.unsupported(
            f"{key.arn} has no imported key material in PENDING_ROTATION state. Import new key "
            "material before rotating on demand."
        )
    # A multi-Region primary rotates once every replica has the new material (docs/kms.md
    # §3.8 Key material).
    missing = imports.replicas_missing(key) if key.origin == "EXTERNAL" else []
    if missing:
        raise errors.unsupported(
            f"{key.arn} has key material in PENDING_MULTI_REGION_IMPORT_AND_ROTATION state. "
            f"Import the same key material into the replica keys in {', '.join(missing)} first."
        )
    # Already rotating. The real outcome is unconfirmed; ConflictException is the documented
    # "rotation in progress" error of RotateKeyOnDemand (both: docs/kms.md §3.7 A rotation in
    # progress, and ConflictException). With eventual
    # consistency on, KMS knows of the rotation before reads show it: the same answer until the
    # rotation is visible as completed (consistency.py).
    if x.on_demand_started is not None or consistency.rotation_unseen(x):
        raise errors.conflict(f"An on-demand rotation of {key.arn} is already in progress.")
    due = next_rotation_date(key)
    if due is not None and due - now <= CONFLICT_WINDOW_SECONDS:
        raise errors.conflict(
            f"An automatic rotation of {key.arn} is in progress or due within 20 minutes."
        )
    if on_demand_count(key) >= ON_DEMAND_LIMIT:
        raise errors.limit_exceeded(
            f"{key.arn} has reached the maximum of {ON_DEMAND_LIMIT} on-demand rotations."
        )


def start_on_demand(key: Key, now: float, consistency_seconds: float = 0.0) -> None:
    keys.extra(key).on_demand_started = now
    consistency.rotation_accepted(key, now, consistency_seconds)


def validate_period(value: Any) -> int:
    """RotationPeriodInDays: optional, 90..2560, default 365 (docs/kms.md §2.8
    EnableKeyRotation)."""
    if value is None:
        return DEFAULT_PERIOD_DAYS
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.serialization(f"RotationPeriodInDays must be an integer, got {value!r}")
    if value < MIN_PERIOD_DAYS:
        raise errors.validation(
            "rotationPeriodInDays", value,
            f"Member must have value greater than or equal to {MIN_PERIOD_DAYS}",
        )
    if value > MAX_PERIOD_DAYS:
        raise errors.validation(
            "rotationPeriodInDays", value,
            f"Member must have value less than or equal to {MAX_PERIOD_DAYS}",
        )
    return value


def enable(key: Key, period_days: int, now: float, consistency_seconds: float = 0.0) -> None:
    consistency.setting_changing(key, now, consistency_seconds)
    x = keys.extra(key)
    if not key.key_rotation_status:
        x.rotation_anchor = now
    # Enabling again on a rotating key changes the period (docs/kms.md §2.8 EnableKeyRotation);
    # the schedule keeps its anchor.
    x.rotation_period_days = period_days
    key.key_rotation_status = True


def disable(key: Key, now: float, consistency_seconds: float = 0.0) -> None:
    consistency.setting_changing(key, now, consistency_seconds)
    # Does not cancel an on-demand rotation in progress (docs/kms.md §2.9 DisableKeyRotation).
    key.key_rotation_status = False


def status(key: Key) -> dict[str, Any]:
    """GetKeyRotationStatus output (docs/kms.md §2.5 GetKeyRotationStatus)."""
    owner = keys.rotation_owner(key)
    x = keys.extra(owner)
    out: dict[str, Any] = {"KeyId": key.id}
    # The setting reads see: the current one, or the one before a change not visible yet.
    rotating, period_days, anchor = consistency.visible_setting(owner)
    # False while PendingDeletion; the stored setting comes back on cancel (docs/kms.md §3.4
    # Automatic rotation).
    enabled = rotating and key.key_state != "PendingDeletion"
    out["KeyRotationEnabled"] = enabled
    if enabled:
        # Period and next date are absent when automatic rotation is off (docs/kms.md §2.5
        # GetKeyRotationStatus).
        out["RotationPeriodInDays"] = period_days
        out["NextRotationDate"] = anchor + period_days * DAY_SECONDS
    if x.on_demand_started is not None and not consistency.rotation_unseen(x):
        out["OnDemandRotationStartDate"] = x.on_demand_started  # only while in progress
    return out


def entries(key: Key, include_all: bool) -> list[dict[str, Any]]:
    """ListKeyRotations rows. ROTATIONS_ONLY: completed rotations; ALL_KEY_MATERIAL adds the first
    material and imported material pending rotation, without RotationDate/RotationType
    (docs/kms.md §2.6 ListKeyRotations)."""
    owner = keys.rotation_owner(key)
    x = keys.extra(owner)
    rows: list[dict[str, Any]] = []
    unseen: dict[str, Any] | None = None
    for e in owner.rotations:
        if x.unseen_material_id is not None and e.get("KeyMaterialId") == x.unseen_material_id:
            # A completed rotation reads do not see yet: the list from before it (consistency.py).
            unseen = e
            if e.get("KeyMaterialState") == "CURRENT" and rows:
                rows[-1]["KeyMaterialState"] = "CURRENT"
            continue
        rows.append(dict(e, KeyId=key.id))
    if key.origin == "EXTERNAL":
        # ImportState, ExpirationModel, ValidTo, KeyMaterialDescription: EXTERNAL only, from this
        # key's own import records (docs/kms.md §2.6 ListKeyRotations).
        for row in rows:
            row.update(imports.entry_fields(key, row["KeyMaterialId"]))
    if not include_all:
        return rows
    first: dict[str, Any] = {
        "KeyId": key.id,
        "KeyMaterialId": x.initial_material_id,
        "KeyMaterialState": "NON_CURRENT" if rows else "CURRENT",
    }
    if key.origin == "EXTERNAL":
        if key.arn not in x.ever_imported:
            return []  # no material yet
        first.update(imports.entry_fields(key, first["KeyMaterialId"]))
    rows.insert(0, first)
    pending = x.pending_material_id
    pending_state = imports.pending_state(key) if key.origin == "EXTERNAL" else None
    if pending is None and unseen is not None and key.origin == "EXTERNAL":
        pending = unseen["KeyMaterialId"]  # still PENDING_ROTATION as far as reads know
        pending_state = "PENDING_ROTATION"
    if pending is not None and pending_state is not None:
        rows.append({
            "KeyId": key.id,
            "KeyMaterialId": pending,
            "KeyMaterialState": pending_state,
            **imports.entry_fields(key, pending),
        })
    return rows
