"""The demo fleet and bulk keys, created in-process on moto's backends (no HTTP round trips).

Every key of the management account's demo fleet has an alias `alias/demo-*` (except one key
without any alias and the AWS managed keys `alias/aws/*`); the member accounts' keys have
`alias/workloads-*`, `alias/sandbox-*` and `alias/legacy-*`. docs/peer.md has the tables.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from moto.core.utils import utcnow
from moto.kms.models import Key

from . import keys, lastuse, rotation
from .org import LEGACY, MANAGEMENT, SANDBOX, WORKLOADS

DAY = 86400.0
REGION = "us-east-1"
REPLICA_REGION = "us-west-2"
# Where the sandbox account may not use KMS (the demo organisation's SCP, scp.py).
DENIED_REGION = "eu-west-1"
XSS_DESCRIPTION = "Legacy import <img src=x onerror=alert(1)> (do not render as HTML)"
# AWS managed keys the demo account "has" (KeyManager AWS: docs/kms.md §2.3 ListAliases, §3.1
# Which keys can rotate).
AWS_MANAGED = {
    "s3": "Default key that protects my S3 objects when no other key is defined",
    "ebs": "Default key that protects my EBS volumes when no other key is defined",
    "lambda": "Default key that protects my Lambda functions when no other key is defined",
}
# Predefined AWS aliases whose AWS managed key does not exist yet: ListAliases shows them without
# TargetKeyId (docs/kms.md §2.3 ListAliases); DescribeKey on them creates the key (§2.4
# DescribeKey).
PREDEFINED_WITHOUT_KEY = {
    "dynamodb": "Default key that protects my DynamoDB data when no other key is defined",
    "rds": "Default key that protects my RDS database volumes when no other key is defined",
}
DENIED_ALIAS = "alias/demo-denied"
# With --bulk: one key whose history is longer than one ListKeyRotations page (default Limit 100,
# docs/kms.md §2.6 ListKeyRotations) and than the console's history page (25 rows). Automatic
# rotation every 90 days (the minimum, §2.8 EnableKeyRotation) for 88 periods, plus 22
# on-demand rotations (3 of 25 left).
HISTORY_ALIAS = "alias/bulk-history"
HISTORY_PERIOD_DAYS = 90
HISTORY_AUTOMATIC = 88
HISTORY_ON_DEMAND = 22
# `--bulk-fleet N`: N keys in each of these accounts, in each of these Regions.
FLEET_ACCOUNTS = (MANAGEMENT, WORKLOADS, SANDBOX)
FLEET_REGIONS = (REGION, REPLICA_REGION)
FLEET_ALIAS_PREFIX = "alias/fleet-"


@dataclass
class SeedResult:
    denied_key_arns: list[str] = field(default_factory=list)
    key_count: int = 0


def create_key(
    account: str,
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
    be = keys.backend(account, region)
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
        keys.give_mrk_id(key)
    key.creation_date = created
    key.key_manager = manager
    keys.extra(key).rotation_anchor = created
    if origin == "EXTERNAL":
        # Seeded with material already imported (its bytes unknown: imports.py).
        keys.extra(key).ever_imported.add(key.arn)
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
    replica = keys.backend(primary.account_id, primary.region).replicate_key(primary.id, region)
    replica.aliases = {}
    replica.grants = {}
    for name in aliases:
        alias = keys.backend(primary.account_id, region).create_alias(replica.id, name)
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


def aws_managed_key(account: str, region: str, service: str, created: float,
                    description: str) -> Key:
    """An AWS managed key: KeyManager AWS, rotated yearly, always on (docs/kms.md §3.1 Which keys
    can rotate)."""
    key = create_key(account, region, created=created, description=description, manager="AWS",
                     aliases=[f"alias/aws/{service}"])
    years = int((keys.now() - created) // (rotation.AWS_MANAGED_PERIOD_DAYS * DAY))
    dates = [created + (i + 1) * rotation.AWS_MANAGED_PERIOD_DAYS * DAY for i in range(years)]
    rotate_history(key, automatic=dates)
    auto_rotation(key, rotation.AWS_MANAGED_PERIOD_DAYS, dates[-1] if dates else created)
    return key


def demo(now: float) -> SeedResult:
    """The management account's demo fleet of the foundation issue, in us-east-1 plus a replica in
    us-west-2. Existing end-to-end tests count these keys: keep them as they are."""
    result = SeedResult()
    A = MANAGEMENT

    def ago(days: float) -> float:
        return now - days * DAY

    k = create_key(A, REGION, created=ago(400), aliases=["alias/demo-auto"],
                   description="Payments data (automatic rotation every 180 days)",
                   tags={"team": "payments", "env": "prod"})
    rotate_history(k, on_demand=[ago(100)], automatic=[ago(220), ago(40)])
    auto_rotation(k, 180, ago(40))

    k = create_key(A, REGION, created=ago(30), aliases=["alias/demo-manual"],
                   description="Reports (automatic rotation off)", tags={"team": "analytics"})
    # Used three hours ago (GetKeyLastUsage, docs/kms.md §2.16); most demo keys never were.
    lastuse.record(k, "Encrypt", now - 3 * 3600, str(uuid.uuid4()))

    k = create_key(A, REGION, created=ago(200), aliases=["alias/demo-24-used"],
                   description="Session tokens: 24 of 25 on-demand rotations used")
    rotate_history(k, on_demand=[ago(150 - 5 * i) for i in range(24)])
    auto_rotation(k, 365, ago(200))

    k = create_key(A, REGION, created=ago(300), aliases=["alias/demo-25-used"],
                   description="Archive: all 25 on-demand rotations used")
    rotate_history(k, on_demand=[ago(250 - 4 * i) for i in range(25)])

    create_key(A, REGION, created=ago(90), spec="RSA_2048", usage="ENCRYPT_DECRYPT",
               aliases=["alias/demo-rsa"], description="Asymmetric RSA_2048 (no rotation)")
    create_key(A, REGION, created=ago(80), spec="ECC_NIST_P256", usage="SIGN_VERIFY",
               aliases=["alias/demo-ecc"], description="Asymmetric ECC_NIST_P256 signing key")
    create_key(A, REGION, created=ago(70), spec="HMAC_256", usage="GENERATE_VERIFY_MAC",
               aliases=["alias/demo-hmac"], description="HMAC_256 key (no rotation)")

    # Imported material. Enabled, with new material already imported and PENDING_ROTATION, so
    # RotateKeyOnDemand works once (docs/kms.md §3.1 Which keys can rotate, §3.8 Key material).
    k = create_key(A, REGION, created=ago(60), origin="EXTERNAL", aliases=["alias/demo-imported"],
                   description="Imported key material, new material pending rotation")
    keys.extra(k).pending_material_id = keys.new_material_id()
    # Imported, no material yet: KeyState PendingImport (moto would say Enabled: docs/peer.md
    # "Where moto is not KMS").
    k = create_key(A, REGION, created=ago(5), origin="EXTERNAL",
                   aliases=["alias/demo-imported-empty"],
                   description="Imported key waiting for its first key material")
    k.key_state, k.enabled = "PendingImport", False
    keys.extra(k).ever_imported.discard(k.arn)

    k = create_key(A, REGION, created=ago(500), multi_region=True,
                   aliases=["alias/demo-multi-region"],
                   description="Multi-Region primary (replica in us-west-2)")
    rotate_history(k, automatic=[ago(135)])
    auto_rotation(k, 365, ago(135))
    replicate(k, REPLICA_REGION, aliases=["alias/demo-multi-region"])

    k = create_key(A, REGION, created=ago(120), aliases=["alias/demo-disabled"],
                   description="Disabled key (rotation setting kept, not rotating)")
    auto_rotation(k, 365, ago(120))
    k.key_state, k.enabled = "Disabled", False

    k = create_key(A, REGION, created=ago(150), aliases=["alias/demo-pending-deletion"],
                   description="Scheduled for deletion")
    auto_rotation(k, 365, ago(150))
    k.key_state, k.enabled = "PendingDeletion", False
    k.deletion_date = utcnow() + dt.timedelta(days=7)

    k = create_key(A, REGION, created=ago(45), aliases=[DENIED_ALIAS],
                   description="The demo role may not read this key's rotation status")
    auto_rotation(k, 365, ago(45))
    result.denied_key_arns.append(k.arn)

    k = create_key(A, REGION, created=ago(365),
                   aliases=["alias/demo-shared", "alias/demo-shared-billing",
                            "alias/demo-shared-legacy"],
                   description="One key, three aliases")
    auto_rotation(k, 730, ago(365))

    create_key(A, REGION, created=ago(10), aliases=["alias/demo-xss"],
               description=XSS_DESCRIPTION)

    k = create_key(A, REGION, created=ago(20), origin="AWS_CLOUDHSM",
                   aliases=["alias/demo-cloudhsm"], description="Key in a CloudHSM custom key store")
    keys.extra(k).custom_key_store_id = "cks-1234567890abcdef0"
    keys.extra(k).cloud_hsm_cluster_id = "cluster-abcdefghijk"

    # Automatic rotation due in 10 minutes: RotateKeyOnDemand answers ConflictException until the
    # automatic rotation has happened (docs/kms.md §3.7 A rotation in progress, and
    # ConflictException).
    k = create_key(A, REGION, created=ago(200), aliases=["alias/demo-auto-due"],
                   description="Automatic rotation due within 20 minutes")
    auto_rotation(k, 90, now - 90 * DAY + 600)

    create_key(A, REGION, created=ago(15), description="A key without an alias")

    for service, description in AWS_MANAGED.items():
        aws_managed_key(A, REGION, service, ago(800), description)

    result.key_count = sum(len(keys.backend(A, r).keys) for r in (REGION, REPLICA_REGION))
    return result


def _on_schedule(created: float, period_days: int, now: float) -> list[float]:
    """The dates of the automatic rotations a key made at `created` has had by `now`."""
    period = period_days * DAY
    return [created + i * period for i in range(1, int((now - created) // period) + 1)]


def _auto(k: Key, period_days: int, now: float, on_demand: Iterable[float] = ()) -> None:
    """Automatic rotation on since the key was made, with its history to date: AUTOMATIC entries
    on schedule, plus the given on-demand ones."""
    automatic = _on_schedule(k.creation_date, period_days, now)
    rotate_history(k, on_demand=on_demand, automatic=automatic)
    auto_rotation(k, period_days, automatic[-1] if automatic else k.creation_date)


def workloads(now: float) -> None:
    """Account B (keyturn-demo-workloads): seven keys in each of us-east-1 and us-west-2 with
    varied rotation state, one disabled, and a multi-Region key whose primary is in us-west-2."""
    B = WORKLOADS

    def ago(days: float) -> float:
        return now - days * DAY

    k = create_key(B, REGION, created=ago(500), aliases=["alias/workloads-orders"],
                   description="Order service data", tags={"team": "orders", "env": "prod"})
    _auto(k, 365, now)
    k = create_key(B, REGION, created=ago(400), aliases=["alias/workloads-inventory"],
                   description="Inventory (automatic rotation every 90 days)")
    _auto(k, 90, now, on_demand=[ago(200), ago(60)])
    k = create_key(B, REGION, created=ago(250), aliases=["alias/workloads-analytics"],
                   description="Analytics exports (rotated on demand once)")
    rotate_history(k, on_demand=[ago(100)])
    k = create_key(B, REGION, created=ago(60), aliases=["alias/workloads-search"],
                   description="Search index (automatic rotation every 180 days)")
    _auto(k, 180, now)
    k = create_key(B, REGION, created=ago(700), aliases=["alias/workloads-batch-legacy"],
                   description="Retired batch jobs (disabled)")
    rotate_history(k, on_demand=[ago(400), ago(380)])
    k.key_state, k.enabled = "Disabled", False
    create_key(B, REGION, created=ago(20), aliases=["alias/workloads-queue"],
               description="Message queue (automatic rotation off)")

    k = create_key(B, REPLICA_REGION, created=ago(300), multi_region=True,
                   aliases=["alias/workloads-mr-events"],
                   description="Event bus, multi-Region primary (replica in us-east-1)",
                   tags={"team": "events"})
    _auto(k, 365, now, on_demand=[ago(30)])
    replicate(k, REGION, aliases=["alias/workloads-mr-events"])
    k = create_key(B, REPLICA_REGION, created=ago(800), aliases=["alias/workloads-west-api"],
                   description="API gateway secrets (automatic rotation every 730 days)")
    _auto(k, 730, now)
    create_key(B, REPLICA_REGION, created=ago(10), aliases=["alias/workloads-west-cache"],
               description="Cache encryption (automatic rotation off)")
    k = create_key(B, REPLICA_REGION, created=ago(330), aliases=["alias/workloads-west-logs"],
                   description="Log archive (five on-demand rotations)")
    _auto(k, 365, now, on_demand=[ago(300), ago(250), ago(200), ago(150), ago(100)])
    k = create_key(B, REPLICA_REGION, created=ago(45), aliases=["alias/workloads-west-ml"],
                   description="Model artefacts (automatic rotation every 120 days)")
    _auto(k, 120, now)
    k = create_key(B, REPLICA_REGION, created=ago(150), aliases=["alias/workloads-west-reports"],
                   description="Reports (automatic rotation off, rotated on demand twice)")
    rotate_history(k, on_demand=[ago(120), ago(90)])
    k = create_key(B, REPLICA_REGION, created=ago(900), aliases=["alias/workloads-west-archive"],
                   description="Cold archive (automatic rotation every 2560 days)")
    _auto(k, 2560, now)


def sandbox(now: float) -> None:
    """Account C (keyturn-demo-sandbox): four keys in each of us-east-1 and us-west-2, and two in
    eu-west-1, where the organisation's SCP denies KMS (scp.py)."""
    C = SANDBOX

    def ago(days: float) -> float:
        return now - days * DAY

    k = create_key(C, REGION, created=ago(90), aliases=["alias/sandbox-experiments"],
                   description="Experiments (automatic rotation yearly)")
    _auto(k, 365, now)
    create_key(C, REGION, created=ago(3), aliases=["alias/sandbox-scratch"],
               description="Scratch key (automatic rotation off)")
    k = create_key(C, REGION, created=ago(200), aliases=["alias/sandbox-app"],
                   description="Sandbox app (automatic rotation every 90 days)")
    _auto(k, 90, now, on_demand=[ago(50)])
    create_key(C, REGION, created=ago(30), spec="ECC_NIST_P256", usage="SIGN_VERIFY",
               aliases=["alias/sandbox-signing"], description="Signing key (no rotation)")

    create_key(C, REPLICA_REGION, created=ago(12), aliases=["alias/sandbox-west-test"],
               description="Test key (automatic rotation off)")
    k = create_key(C, REPLICA_REGION, created=ago(100), aliases=["alias/sandbox-west-auto"],
                   description="Automatic rotation every 180 days")
    _auto(k, 180, now)
    k = create_key(C, REPLICA_REGION, created=ago(60), aliases=["alias/sandbox-west-rotated"],
                   description="Rotated on demand three times")
    rotate_history(k, on_demand=[ago(50), ago(40), ago(30)])
    k = create_key(C, REPLICA_REGION, created=ago(400), aliases=["alias/sandbox-west-retired"],
                   description="Scheduled for deletion")
    k.key_state, k.enabled = "PendingDeletion", False
    k.deletion_date = utcnow() + dt.timedelta(days=7)

    k = create_key(C, DENIED_REGION, created=ago(180), aliases=["alias/sandbox-eu-data"],
                   description="EU data (unreachable: KMS is denied in eu-west-1)")
    _auto(k, 365, now)
    create_key(C, DENIED_REGION, created=ago(40), aliases=["alias/sandbox-eu-backup"],
               description="EU backups (unreachable: KMS is denied in eu-west-1)")


def legacy(now: float) -> None:
    """Account D (keyturn-demo-legacy): two keys the demo can never reach (its role does not
    trust the management account)."""
    D = LEGACY
    k = create_key(D, REGION, created=now - 2000 * DAY, aliases=["alias/legacy-mainframe"],
                   description="Mainframe bridge (automatic rotation yearly)")
    _auto(k, 365, now)
    create_key(D, REGION, created=now - 1000 * DAY, aliases=["alias/legacy-tape"],
               description="Tape archive (automatic rotation off)")


def bulk_keys(account: str, region: str, count: int, now: float, prefix: str,
              description: str) -> None:
    """`count` symmetric keys `<prefix>NNNN`, created up to 700 days ago; every third rotates
    yearly. In-process, about 0.15 ms a key."""
    width = max(4, len(str(count)))
    for i in range(1, count + 1):
        k = create_key(account, region, created=now - (i % 700) * DAY,
                       aliases=[f"{prefix}{i:0{width}d}"], description=f"{description} {i}")
        if i % 3 == 0:
            auto_rotation(k, 365, k.creation_date)


def bulk(count: int, now: float, region: str = REGION) -> int:
    """`count` more symmetric keys in the management account with aliases `alias/bulk-NNNN`.
    With any bulk keys comes one more, `alias/bulk-history` (bulk_history). Returns the number of
    keys made."""
    if count <= 0:
        return 0
    bulk_keys(MANAGEMENT, region, count, now, "alias/bulk-", "Bulk key")
    bulk_history(now, region)
    return count + 1


def bulk_fleet(count: int, now: float, accounts: Iterable[str]) -> int:
    """`--bulk-fleet N`: N symmetric keys `alias/fleet-NNNN` in each Region of FLEET_REGIONS of
    each of `accounts` (those of FLEET_ACCOUNTS the seed made). Returns the number of keys made."""
    made = 0
    for account in accounts:
        for region in FLEET_REGIONS:
            bulk_keys(account, region, count, now, FLEET_ALIAS_PREFIX, "Fleet key")
            made += count
    return made


def bulk_history(now: float, region: str = REGION) -> Key:
    """A key with a long history: an AUTOMATIC rotation every 90 days since it was made (the last
    30 days ago, so the next is due in 60 days) and ON_DEMAND ones every 30 days between 700 and
    70 days ago: 110 entries, more than one default ListKeyRotations page."""
    period = HISTORY_PERIOD_DAYS * DAY
    created = now - HISTORY_AUTOMATIC * period - 30 * DAY
    k = create_key(MANAGEMENT, region, created=created, aliases=[HISTORY_ALIAS],
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
