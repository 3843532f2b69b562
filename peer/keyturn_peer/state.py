"""Peer-wide state: options, the organisation, the SCP deny list, predefined aliases, issued
credentials, faults, quotas, the request log, reset and the state files."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto import settings as moto_settings
from moto.kms.models import Key, kms_backends
from moto.moto_api._internal.models import moto_api_backend

from . import auth, keys, org, seed
from .faults import Faults
from .quotas import Quotas
from .requestlog import RequestLog
from .scp import DenyList


@dataclass
class PeerState:
    state_dir: Path | None
    seed: str = "demo"
    bulk: int = 0
    rotation_seconds: float = 3.0
    # Eventual consistency: reads see a rotation change this long after it (consistency.py).
    consistency_seconds: float = 0.0
    # `--org-extra N`: N more (empty) accounts in the demo organisation.
    org_extra: int = 0
    # `--bulk-fleet N`: N more keys in each Region of seed.FLEET_REGIONS of each of
    # seed.FLEET_ACCOUNTS that the seed made.
    bulk_fleet: int = 0
    # `--assume-role-seconds S`: sessions issued by AssumeRole last at most S seconds (shorter
    # than STS's 900 s minimum, so a test sees a client renew them); None: as requested.
    assume_role_seconds: float | None = None
    # (account, region) -> alias name -> {"description": ..., "created": epoch}: predefined
    # `alias/aws/*` aliases without a key yet (docs/kms.md §2.3 ListAliases).
    predefined: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)
    last_seed_seconds: float = 0.0
    # Keys of the management account (the credentials' account) in us-east-1 and us-west-2.
    key_count: int = 0
    # Keys of every account in every Region.
    fleet_key_count: int = 0
    # The demo organisation, or None (`--seed none`: no organisation).
    organization: org.Organization | None = None
    # The SCP deny list (scp.py).
    denials: DenyList = field(default_factory=DenyList)
    # What fleet.json holds (fleet_document).
    fleet: dict[str, Any] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    quotas: Quotas = field(default_factory=Quotas)
    requests: RequestLog = field(default_factory=RequestLog)
    # GetParametersForImport answers by import token (imports.py); a reset forgets them.
    import_parameters: dict[bytes, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # What the peer was started with: a reset without options goes back to these.
        self.startup: dict[str, Any] = {
            "seed": self.seed, "bulk": self.bulk, "rotation_seconds": self.rotation_seconds,
            "consistency_seconds": self.consistency_seconds, "quotas": self.quotas.enabled,
            "quota_scale": self.quotas.scale, "org_extra": self.org_extra,
            "bulk_fleet": self.bulk_fleet, "assume_role_seconds": self.assume_role_seconds,
        }

    def reset(self, seed_name: str | None = None, bulk: int | None = None,
              rotation_seconds: float | None = None, consistency_seconds: float | None = None,
              quotas: bool | None = None, quota_scale: float | None = None,
              org_extra: int | None = None, bulk_fleet: int | None = None,
              assume_role_seconds: float | None = None) -> dict[str, Any]:
        """Drop all moto state, re-seed, re-create the identities and session credentials;
        clear faults, quota buckets and the request log. Options not given take the values the
        peer was started with; `assume_role_seconds` 0 turns the shortening off."""
        def pick(value: Any, name: str) -> Any:
            return value if value is not None else self.startup[name]

        self.faults.clear()
        self.requests.clear()
        self.denials.clear()
        self.import_parameters.clear()
        self.seed = pick(seed_name, "seed")
        self.bulk = pick(bulk, "bulk")
        self.rotation_seconds = pick(rotation_seconds, "rotation_seconds")
        self.consistency_seconds = pick(consistency_seconds, "consistency_seconds")
        self.org_extra = pick(org_extra, "org_extra")
        self.bulk_fleet = pick(bulk_fleet, "bulk_fleet")
        self.assume_role_seconds = pick(assume_role_seconds, "assume_role_seconds") or None
        self.quotas.configure(pick(quotas, "quotas"), pick(quota_scale, "quota_scale"))
        started = time.perf_counter()
        moto_api_backend.reset()
        # Signature checking stays on for every request (moto's switch; docs/peer.md "Signature
        # checking").
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        self.predefined = {}
        self.organization = None
        now = keys.now()
        denied: list[str] = []
        roles: list[org.RoleSpec] = []
        fleet_accounts = [org.MANAGEMENT]
        if self.seed == "demo":
            result = seed.demo(now)
            denied = result.denied_key_arns
            self.predefined[(org.MANAGEMENT, seed.REGION)] = {
                name: dict(info, created=now - 800 * seed.DAY)
                for name, info in seed.predefined_aliases().items()
            }
            seed.workloads(now)
            seed.sandbox(now)
            seed.legacy(now)
            self.organization, roles = org.demo(now, self.org_extra)
            # The sandbox account may not use KMS in eu-west-1 (scp.py).
            self.denials.add(org.SANDBOX, seed.DENIED_REGION, ("kms:*",))
            fleet_accounts = list(seed.FLEET_ACCOUNTS)
        if self.bulk:
            seed.bulk(self.bulk, now)
        if self.bulk_fleet:
            seed.bulk_fleet(self.bulk_fleet, now, fleet_accounts)
        self.last_seed_seconds = time.perf_counter() - started
        self.key_count = sum(len(keys.backend(org.MANAGEMENT, r).keys)
                             for r in (seed.REGION, seed.REPLICA_REGION))
        self.user = auth.create_identities(denied, organization=self.organization is not None)
        for spec in roles:
            auth.create_role(spec)
        self.credentials = auth.assume_role()
        self.fleet = self.fleet_document()
        self.fleet_key_count = sum(sum(a["key_counts"].values()) for a in self.fleet["accounts"])
        self.write_files()
        return self.credentials

    def create_predefined_key(self, account: str, region: str, alias_name: str) -> Key | None:
        """DescribeKey on a predefined `alias/aws/<service>` creates its AWS managed key
        (docs/kms.md §2.4 DescribeKey)."""
        info = self.predefined.get((account, region), {}).pop(alias_name, None)
        if info is None:
            return None
        service = alias_name.removeprefix("alias/aws/")
        return seed.aws_managed_key(account, region, service, keys.now(), info["description"])

    def fleet_document(self) -> dict[str, Any]:
        """fleet.json: the accounts, what the credentials' session can reach, the keys seeded per
        Region, the denied (account, Region) pairs, the external-ID role and the multi-Region
        sets. Counts are as seeded (keys made later through the API are not in them)."""
        o = self.organization
        if o is None:
            members = [org.Member(org.MANAGEMENT, "keyturn-demo-management", "", "", 0.0,
                                  list(org.KMS_REGIONS), auth.role_arn(), True)]
        else:
            members = o.members
        accounts = []
        mr_sets = []
        for m in members:
            counts = {}
            for region in m.regions:
                backend = kms_backends[m.id][region] if m.id in kms_backends else None
                counts[region] = len(backend.keys) if backend is not None else 0
                for key in (backend.keys.values() if backend is not None else ()):
                    if key.multi_region and not keys.is_replica(key):
                        mr_sets.append({
                            "account": m.id,
                            "primary": {"region": region, "key_id": key.id},
                            "replicas": [{"region": r["Region"], "key_id": key.id}
                                         for r in key.multi_region_configuration["ReplicaKeys"]],
                        })
            accounts.append({"id": m.id, "name": m.name, "role_arn": m.role_arn,
                             "assumable": m.assumable, "regions": list(m.regions),
                             "key_counts": counts})
        return {
            "management": o.management if o is not None else None,
            "organization_id": o.id if o is not None else None,
            "accounts": accounts,
            "denied_regions": [{"account": r["account"], "region": r["region"]}
                               for r in self.denials.rows()],
            "external_id_role": ({"arn": org.role_arn(org.WORKLOADS, org.AUDIT_ROLE),
                                  "external_id": org.AUDIT_EXTERNAL_ID}
                                 if o is not None else None),
            "multi_region_sets": mr_sets,
        }

    def write_files(self) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        _write_json(self.state_dir / "credentials.json", self.credentials)
        _write_json(self.state_dir / "user.json", self.user)
        _write_json(self.state_dir / "fleet.json", self.fleet)

    def mark_ready(self, port: int) -> None:
        if self.state_dir is None:
            return
        _write_json(self.state_dir / "ready", {"port": port, "pid": os.getpid(),
                                               "url": f"http://127.0.0.1:{port}/"})


def _write_json(path: Path, data: Any) -> None:
    # Written then renamed, so a reader never sees half a file.
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
