"""`python -m peer.keyturn_peer --port PORT --state-dir DIR [--seed demo|none] [--bulk N]
[--org-extra N] [--bulk-fleet N] [--rotation-seconds S] [--consistency-seconds S] [--quotas]
[--quota-scale F] [--assume-role-seconds S] [--cors-origins A,B] [--latency-ms L] [--verbose]`,
run from the repository root. docs/peer.md describes the peer."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

# Moto's own flask-cors headers would compete with the front's; must be set before moto loads.
os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

from . import moto_setup  # noqa: E402
from .cors import CorsPolicy  # noqa: E402
from .front import Front  # noqa: E402
from .org import MAX_EXTRA  # noqa: E402
from .quotas import Quotas  # noqa: E402
from .state import PeerState  # noqa: E402

DEFAULT_PORT = 4599


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m peer.keyturn_peer", description=__doc__)
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port on 127.0.0.1 (0: any free port)")
    p.add_argument("--state-dir", type=Path, required=True,
                   help="where credentials.json, user.json, fleet.json and ready are written")
    p.add_argument("--seed", choices=["demo", "none"], default="demo",
                   help="demo: the demo organisation of four accounts; none: one account, no keys")
    p.add_argument("--bulk", type=int, default=0,
                   help="this many extra symmetric keys in the management account's us-east-1")
    p.add_argument("--org-extra", type=int, default=0,
                   help="this many more (empty) accounts in the demo organisation")
    p.add_argument("--bulk-fleet", type=int, default=0,
                   help="this many extra symmetric keys in each of us-east-1 and us-west-2 of "
                        "each of the accounts A, B and C")
    p.add_argument("--rotation-seconds", type=float, default=3.0,
                   help="how long an on-demand rotation stays in progress")
    p.add_argument("--consistency-seconds", type=float, default=0.0,
                   help="eventual consistency: reads see a rotation change this long after it")
    p.add_argument("--quotas", action="store_true",
                   help="throttle at KMS's default request quotas (docs/kms.md §4.1 The quotas)")
    p.add_argument("--quota-scale", type=float, default=1.0,
                   help="multiply every quota by this (0.1: ten times fewer requests per second)")
    p.add_argument("--assume-role-seconds", type=float, default=None,
                   help="sessions issued by AssumeRole expire after at most this many seconds "
                        "(default: the requested DurationSeconds), so a client's renewal can be "
                        "tested without waiting out STS's 15-minute minimum")
    p.add_argument("--cors-origins", default="",
                   help="comma-separated origins allowed; empty: every origin (`*`, like KMS)")
    p.add_argument("--latency-ms", type=float, default=0.0,
                   help="delay every AWS answer by this much, like a network round trip")
    p.add_argument("--verbose", action="store_true", help="log every request")
    args = p.parse_args(argv)
    if args.bulk < 0 or args.rotation_seconds < 0 or args.latency_ms < 0 \
            or args.consistency_seconds < 0 or args.org_extra < 0 or args.bulk_fleet < 0:
        p.error("--bulk, --org-extra, --bulk-fleet, --rotation-seconds, --consistency-seconds and "
                "--latency-ms must not be negative")
    if args.org_extra > MAX_EXTRA:
        p.error(f"--org-extra must be at most {MAX_EXTRA}")
    if not args.quota_scale > 0:
        p.error("--quota-scale must be > 0")
    if args.assume_role_seconds is not None and not args.assume_role_seconds > 0:
        p.error("--assume-role-seconds must be > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="keyturn-peer: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    log = logging.getLogger("keyturn_peer")
    moto_setup.configure()

    state = PeerState(state_dir=args.state_dir, seed=args.seed, bulk=args.bulk,
                      org_extra=args.org_extra, bulk_fleet=args.bulk_fleet,
                      rotation_seconds=args.rotation_seconds,
                      consistency_seconds=args.consistency_seconds,
                      assume_role_seconds=args.assume_role_seconds,
                      quotas=Quotas(enabled=args.quotas, scale=args.quota_scale))
    ready = args.state_dir / "ready"
    ready.unlink(missing_ok=True)
    state.reset()
    log.info("seeded %s keys, %s in the management account (seed=%s, bulk=%d, org-extra=%d, "
             "bulk-fleet=%d) in %.2f s", state.fleet_key_count, state.key_count, state.seed,
             state.bulk, state.org_extra, state.bulk_fleet, state.last_seed_seconds)

    origins = [o.strip() for o in args.cors_origins.split(",") if o.strip()]
    app = Front(DomainDispatcherApplication(create_backend_app), state, CorsPolicy(origins or None),
                latency_s=args.latency_ms / 1000)
    server = make_server("127.0.0.1", args.port, app, threaded=True,
                         request_handler=MotoRequestHandler)
    port = server.server_port

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    state.mark_ready(port)
    log.info("serving KMS, STS, Organizations, IAM and S3 on http://127.0.0.1:%d/ (state in %s)",
             port, args.state_dir)
    started = time.monotonic()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        ready.unlink(missing_ok=True)
        server.server_close()
        log.info("stopped after %.0f s", time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
