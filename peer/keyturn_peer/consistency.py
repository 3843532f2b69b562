"""Eventual consistency on request (docs/kms.md §4.6 Eventual consistency; §3.7 A rotation in
progress, and ConflictException): `consistency_seconds` S, 0 by default (reads see every change
at once).

With S > 0 a change is seen by reads of the key only S seconds after it was accepted:
- RotateKeyOnDemand accepted at t: before t + S, GetKeyRotationStatus has no
  OnDemandRotationStartDate, ListKeyRotations has no new entry and DescribeKey keeps the old
  CurrentKeyMaterialId. From t + S on the rotation shows as it would without the delay: in
  progress until t + rotation_seconds, then its ON_DEMAND entry (dated t + rotation_seconds).
  When S >= rotation_seconds the in-progress state is never seen; the entry appears at t + S.
- EnableKeyRotation / DisableKeyRotation accepted at t: GetKeyRotationStatus shows the setting
  from before the call (KeyRotationEnabled, RotationPeriodInDays, NextRotationDate) until t + S.
Writes see the real state at once, as KMS itself does: a second RotateKeyOnDemand is refused
until the first is visible as completed (rotation.check_rotatable).

State lives on keys.Extra and is settled lazily, like the rotations (rotation.settle).
"""

from __future__ import annotations

from moto.kms.models import Key

from . import keys

Setting = tuple[bool, int, float]  # (automatic rotation on, period in days, schedule anchor)


def rotation_accepted(key: Key, now: float, seconds: float) -> None:
    """RotateKeyOnDemand accepted at `now`: reads see it from now + seconds."""
    keys.extra(key).on_demand_visible_at = now + seconds if seconds > 0 else None


def rotation_completed(x: keys.Extra, material_id: str, at: float) -> None:
    """An on-demand rotation completed at `at`; its entry stays unseen until reads see it."""
    if x.on_demand_visible_at is not None and x.on_demand_visible_at > at:
        x.unseen_material_id = material_id


def setting_changing(key: Key, now: float, seconds: float) -> None:
    """Enable/DisableKeyRotation at `now`: remember the setting reads keep seeing until
    now + seconds."""
    if seconds <= 0:
        return
    x = keys.extra(key)
    before: Setting = (bool(key.key_rotation_status), x.rotation_period_days, x.rotation_anchor)
    x.unseen_settings.append((now + seconds, before))


def settle(x: keys.Extra, now: float) -> None:
    """Forget what reads see by now (after this, anything still recorded is unseen)."""
    if x.on_demand_visible_at is not None and now >= x.on_demand_visible_at:
        x.on_demand_visible_at = None
        x.unseen_material_id = None
    if x.unseen_settings:
        x.unseen_settings = [s for s in x.unseen_settings if s[0] > now]


def rotation_unseen(x: keys.Extra) -> bool:
    """The latest on-demand rotation (in progress or completed) is not visible to reads yet."""
    return x.on_demand_visible_at is not None


def visible_setting(key: Key) -> Setting:
    """The rotation setting reads see: the one before the oldest change they do not see yet."""
    x = keys.extra(key)
    if x.unseen_settings:
        return x.unseen_settings[0][1]
    return bool(key.key_rotation_status), x.rotation_period_days, x.rotation_anchor
