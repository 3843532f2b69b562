"""The demo fleet and bulk keys, created in-process on moto's backends (no HTTP round trips).

Every key of the demo fleet has an alias `alias/demo-*` (except one key without any alias and
the AWS managed keys `alias/aws/*`); see peer/README.md for the table.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from moto.core.utils import utcnow
from moto.kms.models import Key

from . import keys, rotation

DAY = 86400.0
REGION = "us-east-1"
REPLICA_REGION = "us-west-2"
XSS_DESCRIPTION = "Legacy import <img src=x onerror=alert(1)> (do not render as HTML)"
# AWS managed keys the demo account "has" (KeyManager AWS, kms-api.md §2 line 197, §3.1 line 401).
AWS_MANAGED = {
    "s3": "Default key that protects my S3 objects when no other key is defined",
    "ebs": "Default key that protects my EBS volumes when no other key is defined",
    "lambda": "Default key that protects my Lambda functions when no other key is defined",
}
# Predefined AWS aliases whose AWS managed key does not exist yet: ListAliases shows them without
# TargetKeyId (kms-api.md §2 line 192); DescribeKey on them creates the key (line 203).
PREDEFINED_WITHOUT_KEY = {
    "dynamodb": "Default key that protects my DynamoDB data when no other key is defined",
    "rds": "Default key that protects my RDS database volumes when no other key is defined",
}
DENIED_ALIAS = "alias/demo-denied"
# With --bulk: one key whose history is longer than one ListKeyRotations page (default Limit 100,
# kms-api.md §2 line 257) and than the console's history page (25 rows). Automatic rotation every
# 90 days (the minimum, line 294) for 88 periods, plus 22 on-demand rotations (3 of 25 left).
HISTORY_ALIAS = "alias/bulk-history"
HISTORY_PERIOD_DAYS = 90
HISTORY_AUTOMATIC = 88
HISTORY_ON_DEMAND = 22


@dataclass
class SeedResult:
    denied_key_arns: list[str] = field(default_factory=list)
    key_count: int = 0


def create_key(
    region: str,
    *,
    created: float,
    spec: str = keys.SYMMETRIC,
    usage: str | None = None,
    description: str = "",
    origin: str = "AWS_KMS",
    multi_region: bool = False,
    manager: str = "CUSTOMER",
    aliases: Iterable[str] = (),
    tags: dict[str, str] | None = None,
) -> Key:
    be = keys.backend(region)
    key = be.create_key(
        policy=None,
        key_usage=usage or keys.default_usage(spec),
        key_spec=spec,
        description=description,
        tags=None,
        multi_region=multi_region,
        origin=origin,
    )
    if multi_region:
        # Real multi-Region key IDs are `mrk-` + 32 hex (kms-api.md §1.4 line 139); moto makes
        # `mrk-<uuid>`.
        be.keys.pop(key.id)
        key.id = "mrk-" + uuid.uuid4().hex
        key.arn = keys.key_arn(region, key.id)
        key.multi_region_configuration["PrimaryKey"]["Arn"] = key.arn
        be.keys[key.id] = key
    key.creation_date = created
    key.key_manager = manager
    keys.extra(key).rotation_anchor = created
    if tags:
        be.tagger.tag_resource(key.id, [{"TagKey": k, "TagValue": v} for k, v in tags.items()])
    for name in aliases:
        alias = be.create_alias(key.id, name)
        alias.creation_date = created
        alias.last_updated_date = created
    return key


def replicate(primary: Key, region: str, aliases: Iterable[str] = ()) -> Key:
    """A replica with its own aliases and grants. Moto's ReplicateKey copies the Key object
    shallowly, so without this the replica would share the primary's alias dict."""
    replica = keys.backend(primary.region).replicate_key(primary.id, region)
    replica.aliases = {}
    replica.grants = {}
    for name in aliases:
        alias = keys.backend(region).create_alias(replica.id, name)
        alias.creation_date = primary.creation_date
        alias.last_updated_date = primary.creation_date
    return replica


def rotate_history(key: Key, on_demand: Iterable[float] = (), automatic: Iterable[float] = ()) -> None:
    """Completed rotations with their dates, oldest first, in moto's rotation list."""
    events = [(at, "ON_DEMAND") for at in on_demand] + [(at, "AUTOMATIC") for at in automatic]
    for at, kind in sorted(events):
        rotation.complete(key, kind, at)


def auto_rotation(key: Key, period_days: int, anchor: float) -> None:
    key.key_rotation_status = True
    x = keys.extra(key)
    x.rotation_period_days = period_days
    x.rotation_anchor = anchor


def aws_managed_key(region: str, service: str, created: float, description: str) -> Key:
    """An AWS managed key: KeyManager AWS, rotated yearly, always on (kms-api.md line 401)."""
    key = create_key(region, created=created, description=description, manager="AWS",
                     aliases=[f"alias/aws/{service}"])
    years = int((keys.now() - created) // (rotation.AWS_MANAGED_PERIOD_DAYS * DAY))
    dates = [created + (i + 1) * rotation.AWS_MANAGED_PERIOD_DAYS * DAY for i in range(years)]
    rotate_history(key, automatic=dates)
    auto_rotation(key, rotation.AWS_MANAGED_PERIOD_DAYS, dates[-1] if dates else created)
    return key


def demo(now: float) -> SeedResult:
    """The demo fleet of the foundation issue, in us-east-1 plus a replica in us-west-2."""
    result = SeedResult()

    def ago(days: float) -> float:
        return now - days * DAY

    k = create_key(REGION, created=ago(400), aliases=["alias/demo-auto"],
                   description="Payments data (automatic rotation every 180 days)",
                   tags={"team": "payments", "env": "prod"})
    rotate_history(k, on_demand=[ago(100)], automatic=[ago(220), ago(40)])
    auto_rotation(k, 180, ago(40))

    create_key(REGION, created=ago(30), aliases=["alias/demo-manual"],
               description="Reports (automatic rotation off)", tags={"team": "analytics"})

    k = create_key(REGION, created=ago(200), aliases=["alias/demo-24-used"],
                   description="Session tokens: 24 of 25 on-demand rotations used")
    rotate_history(k, on_demand=[ago(150 - 5 * i) for i in range(24)])
    auto_rotation(k, 365, ago(200))

    k = create_key(REGION, created=ago(300), aliases=["alias/demo-25-used"],
                   description="Archive: all 25 on-demand rotations used")
    rotate_history(k, on_demand=[ago(250 - 4 * i) for i in range(25)])

    create_key(REGION, created=ago(90), spec="RSA_2048", usage="ENCRYPT_DECRYPT",
               aliases=["alias/demo-rsa"], description="Asymmetric RSA_2048 (no rotation)")
    create_key(REGION, created=ago(80), spec="ECC_NIST_P256", usage="SIGN_VERIFY",
               aliases=["alias/demo-ecc"], description="Asymmetric ECC_NIST_P256 signing key")
    create_key(REGION, created=ago(70), spec="HMAC_256", usage="GENERATE_VERIFY_MAC",
               aliases=["alias/demo-hmac"], description="HMAC_256 key (no rotation)")

    # Imported material. Enabled, with new material already imported and PENDING_ROTATION, so
    # RotateKeyOnDemand works once (kms-api.md §3.1 line 397, line 424).
    k = create_key(REGION, created=ago(60), origin="EXTERNAL", aliases=["alias/demo-imported"],
                   description="Imported key material, new material pending rotation")
    keys.extra(k).pending_material_id = keys.new_material_id()
    # Imported, no material yet: KeyState PendingImport (moto would say Enabled: peer-notes item 5).
    k = create_key(REGION, created=ago(5), origin="EXTERNAL",
                   aliases=["alias/demo-imported-empty"],
                   description="Imported key waiting for its first key material")
    k.key_state, k.enabled = "PendingImport", False

    k = create_key(REGION, created=ago(500), multi_region=True,
                   aliases=["alias/demo-multi-region"],
                   description="Multi-Region primary (replica in us-west-2)")
    rotate_history(k, automatic=[ago(135)])
    auto_rotation(k, 365, ago(135))
    replicate(k, REPLICA_REGION, aliases=["alias/demo-multi-region"])

    k = create_key(REGION, created=ago(120), aliases=["alias/demo-disabled"],
                   description="Disabled key (rotation setting kept, not rotating)")
    auto_rotation(k, 365, ago(120))
    k.key_state, k.enabled = "Disabled", False

    k = create_key(REGION, created=ago(150), aliases=["alias/demo-pending-deletion"],
                   description="Scheduled for deletion")
    auto_rotation(k, 365, ago(150))
    k.key_state, k.enabled = "PendingDeletion", False
    k.deletion_date = utcnow() + dt.timedelta(days=7)

    k = create_key(REGION, created=ago(45), aliases=[DENIED_ALIAS],
                   description="The demo role may not read this key's rotation status")
    auto_rotation(k, 365, ago(45))
    result.denied_key_arns.append(k.arn)

    k = create_key(REGION, created=ago(365), aliases=["alias/demo-shared", "alias/demo-shared-billing",
                                                   "alias/demo-shared-legacy"],
                   description="One key, three aliases")
    auto_rotation(k, 730, ago(365))

    create_key(REGION, created=ago(10), aliases=["alias/demo-xss"], description=XSS_DESCRIPTION)

    k = create_key(REGION, created=ago(20), origin="AWS_CLOUDHSM", aliases=["alias/demo-cloudhsm"],
                   description="Key in a CloudHSM custom key store")
    keys.extra(k).custom_key_store_id = "cks-1234567890abcdef0"
    keys.extra(k).cloud_hsm_cluster_id = "cluster-abcdefghijk"

    # Automatic rotation due in 10 minutes: RotateKeyOnDemand answers ConflictException (line 286)
    # until the automatic rotation has happened.
    k = create_key(REGION, created=ago(200), aliases=["alias/demo-auto-due"],
                   description="Automatic rotation due within 20 minutes")
    auto_rotation(k, 90, now - 90 * DAY + 600)

    create_key(REGION, created=ago(15), description="A key without an alias")

    for service, description in AWS_MANAGED.items():
        aws_managed_key(REGION, service, ago(800), description)

    result.key_count = sum(len(keys.backend(r).keys) for r in (REGION, REPLICA_REGION))
    return result


def bulk(count: int, now: float, region: str = REGION) -> int:
    """`count` more symmetric keys with aliases `alias/bulk-NNNN`; every third rotates yearly.
    With any bulk keys comes one more, `alias/bulk-history` (bulk_history). Returns the number of
    keys made."""
    if count <= 0:
        return 0
    width = max(4, len(str(count)))
    for i in range(1, count + 1):
        k = create_key(region, created=now - (i % 700) * DAY, aliases=[f"alias/bulk-{i:0{width}d}"],
                       description=f"Bulk key {i}")
        if i % 3 == 0:
            auto_rotation(k, 365, k.creation_date)
    bulk_history(now, region)
    return count + 1


def bulk_history(now: float, region: str = REGION) -> Key:
    """A key with a long history: an AUTOMATIC rotation every 90 days since it was made (the last
    30 days ago, so the next is due in 60 days) and ON_DEMAND ones every 30 days between 700 and
    70 days ago: 110 entries, more than one default ListKeyRotations page."""
    period = HISTORY_PERIOD_DAYS * DAY
    created = now - HISTORY_AUTOMATIC * period - 30 * DAY
    k = create_key(region, created=created, aliases=[HISTORY_ALIAS],
                   description=f"Long rotation history ({HISTORY_AUTOMATIC} automatic, "
                               f"{HISTORY_ON_DEMAND} on-demand)",
                   tags={"team": "platform"})
    automatic = [created + (i + 1) * period for i in range(HISTORY_AUTOMATIC)]
    on_demand = [now - (700 - 30 * i) * DAY for i in range(HISTORY_ON_DEMAND)]
    rotate_history(k, on_demand=on_demand, automatic=automatic)
    auto_rotation(k, HISTORY_PERIOD_DAYS, automatic[-1])
    return k


def predefined_aliases() -> dict[str, dict[str, Any]]:
    return {f"alias/aws/{service}": {"description": d} for service, d in PREDEFINED_WITHOUT_KEY.items()}
