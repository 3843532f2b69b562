"""Peer-wide state: options, predefined aliases, issued credentials, faults, quotas, the request
log, reset and the state files."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto import settings as moto_settings
from moto.kms.models import Key
from moto.moto_api._internal.models import moto_api_backend

from . import auth, keys, seed
from .faults import Faults
from .quotas import Quotas
from .requestlog import RequestLog


@dataclass
class PeerState:
    state_dir: Path | None
    seed: str = "demo"
    bulk: int = 0
    rotation_seconds: float = 3.0
    # Eventual consistency: reads see a rotation change this long after it (consistency.py).
    consistency_seconds: float = 0.0
    # region -> alias name -> {"description": ..., "created": epoch}: predefined `alias/aws/*`
    # aliases without a key yet (kms-api.md §2 line 192).
    predefined: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)
    last_seed_seconds: float = 0.0
    key_count: int = 0
    faults: Faults = field(default_factory=Faults)
    quotas: Quotas = field(default_factory=Quotas)
    requests: RequestLog = field(default_factory=RequestLog)

    def __post_init__(self) -> None:
        # What the peer was started with: a reset without options goes back to these.
        self.startup: dict[str, Any] = {
            "seed": self.seed, "bulk": self.bulk, "rotation_seconds": self.rotation_seconds,
            "consistency_seconds": self.consistency_seconds, "quotas": self.quotas.enabled,
            "quota_scale": self.quotas.scale,
        }

    def reset(self, seed_name: str | None = None, bulk: int | None = None,
              rotation_seconds: float | None = None, consistency_seconds: float | None = None,
              quotas: bool | None = None, quota_scale: float | None = None) -> dict[str, Any]:
        """Drop all moto state, re-seed, re-create the identities and session credentials;
        clear faults, quota buckets and the request log. Options not given take the values the
        peer was started with."""
        def pick(value: Any, name: str) -> Any:
            return value if value is not None else self.startup[name]

        self.faults.clear()
        self.requests.clear()
        self.seed = pick(seed_name, "seed")
        self.bulk = pick(bulk, "bulk")
        self.rotation_seconds = pick(rotation_seconds, "rotation_seconds")
        self.consistency_seconds = pick(consistency_seconds, "consistency_seconds")
        self.quotas.configure(pick(quotas, "quotas"), pick(quota_scale, "quota_scale"))
        started = time.perf_counter()
        moto_api_backend.reset()
        # Signature checking stays on for every request (moto's switch; see peer-notes).
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        self.predefined = {}
        now = keys.now()
        denied: list[str] = []
        if self.seed == "demo":
            result = seed.demo(now)
            denied = result.denied_key_arns
            self.predefined[seed.REGION] = {
                name: dict(info, created=now - 800 * seed.DAY)
                for name, info in seed.predefined_aliases().items()
            }
        if self.bulk:
            seed.bulk(self.bulk, now)
        self.last_seed_seconds = time.perf_counter() - started
        self.key_count = sum(len(keys.backend(r).keys) for r in (seed.REGION, seed.REPLICA_REGION))
        self.user = auth.create_identities(denied)
        self.credentials = auth.assume_role()
        self.write_files()
        return self.credentials

    def create_predefined_key(self, region: str, alias_name: str) -> Key | None:
        """DescribeKey on a predefined `alias/aws/<service>` creates its AWS managed key (line 203)."""
        info = self.predefined.get(region, {}).pop(alias_name, None)
        if info is None:
            return None
        service = alias_name.removeprefix("alias/aws/")
        return seed.aws_managed_key(region, service, keys.now(), info["description"])

    def write_files(self) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        _write_json(self.state_dir / "credentials.json", self.credentials)
        _write_json(self.state_dir / "user.json", self.user)

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
