"""The bulk-plan oracle: what a bulk action's plan decides for every listed key (send, or skip with
a reason), computed from the AWS CLI v1's reads alone (docs/bulk.md §2, with the KMS facts of
docs/rotation-safety.md §1 and docs/compliance.md §1, §3), never from the console's code.

Usage: bulkplan.py [--cache FILE] [--process-per-call | --boto3] ENDPOINT_URL SPEC_JSON ACTION PERIOD

- SPEC_JSON: the scope spec verdicts.py takes: a list of {"account", "role_arn" (null: the AWS_*
  credentials in the environment), "external_id" (optional), "regions": [...]}.
- ACTION: enable-auto | set-period | disable-auto | rotate-now.
- PERIOD: the period in days for enable-auto and set-period; ignored for disable-auto and
  rotate-now (pass "-").
- --cache FILE: the reads, in verdicts.py's cache format (the same file: each can use what the
  other wrote). With FILE present they are taken from it; without it they are read and written
  there. So one set of reads serves the four actions, and the compliance oracle too.
- --process-per-call / --boto3: verdicts.py's ways of reading (its module globals
  PROCESS_PER_CALL and BOTO3); by default its CLI workers.

What it reads: nothing of its own. It imports verdicts.py (same directory) and uses its
`read_scopes` (ListKeys and ListAliases per scope; DescribeKey per key; GetKeyRotationStatus and
ListKeyRotations --include-key-material ALL_KEY_MATERIAL per key, except where DescribeKey already
says KMS refuses them: another spec than SYMMETRIC_DEFAULT, a custom key store) and its `facts`.
Those reads hold everything the plan needs: the key's kind and state (DescribeKey), automatic
rotation on/off, its period and OnDemandRotationStartDate (GetKeyRotationStatus), and the history
with each material's KeyMaterialState (ListKeyRotations with ALL_KEY_MATERIAL lists pending
imported material as PENDING_ROTATION).

The selection is every *listed* key of every scope that was read, as verdicts.py lists them: a
multi-Region replica is not listed when its primary's scope (same account, the primary's Region)
was read and holds the primary. Keys of a scope whose listing failed are not in the selection.
"Busy" (docs/bulk.md §2, step 1) is the tab's own state and never applies here.

The rules, first match wins (docs/bulk.md §2 steps 2-5):
  2. replica whose primary is loaded                      -> replica-through-primary
  3. ineligible. Settings actions (enable-auto, set-period, disable-auto), in this order:
     DescribeKey failed -> unreadable; KeyManager AWS -> aws-managed; spec HMAC_* -> hmac, a known
     asymmetric spec -> asymmetric, any other non-SYMMETRIC_DEFAULT spec -> unsupported-spec;
     origin AWS_CLOUDHSM / EXTERNAL_KEY_STORE or a CustomKeyStoreId -> custom-key-store; replica
     -> replica; origin EXTERNAL -> imported-no-automatic; Disabled -> disabled, PendingDeletion
     -> pending-deletion, any other state but Enabled -> state.
     rotate-now: unreadable, aws-managed, the spec, custom-key-store, replica, then the state
     (as above), then origin EXTERNAL without material in PENDING_ROTATION -> no-pending-import
     (replicas-need-material when it is PENDING_MULTI_REGION_IMPORT_AND_ROTATION),
     then OnDemandRotationStartDate set -> in-progress, then 25 ON_DEMAND rotations in the
     history -> none-left.
  4. already: enable-auto on with RotationPeriodInDays == PERIOD -> already-on; set-period on with
     the period -> already-on, off -> auto-off, status unread -> status-unread; disable-auto off
     -> already-off. (Enable and Disable are sent when the status is unread.)
  5. rotate-now with the history unread -> history-unread.
  Everything else: send.

Prints one JSON object:
  {"action", "period_days",
   "scopes": [{"account", "region", "error"}],                         (every scope of the spec)
   "keys": [{"account", "region", "key_id", "plan": "send"|"skip", "reason": CODE|null}],
   "per_scope": [{"account", "region", "sends", "skips"}],
   "sends", "skips", "billed", "rotations_consumed"}
"keys" holds the selection: scopes in spec order, keys in ListKeys order. "per_scope" holds the
scopes that were read (no error), in spec order, also those with no key. "billed": sends (not for
disable-auto) whose key has had fewer than two completed rotations (RotationType AUTOMATIC or
ON_DEMAND); a key whose history was not read is not counted. "rotations_consumed": the
rotate-now sends (one each from the key's 25), 0 for the settings actions.

Readings of edges docs/bulk.md leaves open are marked "READING:" below.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import verdicts  # noqa: E402  (same directory: the reads, the cache format and `facts`)

ACTIONS = ("enable-auto", "set-period", "disable-auto", "rotate-now")
ON_DEMAND_LIMIT = verdicts.ON_DEMAND_LIMIT  # 25 per key (docs/rotation-safety.md §1)
CUSTOM_KEY_STORE_ORIGINS = ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
# READING: "asymmetric" is a key spec KMS documents that is neither symmetric nor HMAC: the
# KeySpec enum of botocore's KMS model (RSA, ECC incl. Ed25519, SM2, ML-DSA) plus the ML-KEM specs
# docs/compliance.md §3 names. Any other spec (or none) is "unsupported-spec".
ASYMMETRIC_SPECS = frozenset({
    "RSA_2048", "RSA_3072", "RSA_4096",
    "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519",
    "SM2",
    "ML_DSA_44", "ML_DSA_65", "ML_DSA_87",
    "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024",
})


def kind_reason(f: dict) -> str | None:
    """The key-kind checks shared by every action: managed, spec, store, replica."""
    if f.get("key_manager") == "AWS":
        return "aws-managed"
    spec = f.get("key_spec")
    if spec != "SYMMETRIC_DEFAULT":
        if spec and spec.startswith("HMAC_"):
            return "hmac"
        if spec in ASYMMETRIC_SPECS:
            return "asymmetric"
        return "unsupported-spec"
    if f.get("origin") in CUSTOM_KEY_STORE_ORIGINS or f.get("custom_key_store_id"):
        return "custom-key-store"
    if f.get("multi_region") == "REPLICA":
        return "replica"
    return None


def state_reason(f: dict) -> str | None:
    state = f.get("key_state")
    if state == "Enabled":
        return None
    if state == "Disabled":
        return "disabled"
    if state == "PendingDeletion":
        return "pending-deletion"
    return "state"


def completed_rotations(key: dict) -> list | None:
    """The history's completed rotations (AUTOMATIC or ON_DEMAND), None when it was not read.
    With ALL_KEY_MATERIAL the history also lists the first material and pending imported material,
    without a RotationType: not rotations."""
    rotations = key.get("rotations")
    if rotations is None or key.get("rotations_error") is not None:
        return None
    return [r for r in rotations if r.get("RotationType") in ("AUTOMATIC", "ON_DEMAND")]


def status_of(key: dict, f: dict) -> str | None:
    """"on", "off", or None when GetKeyRotationStatus was not read."""
    if key.get("status") is None or key.get("status_error") is not None:
        return None
    return f.get("auto_rotation")


def plan_key(key: dict, f: dict, action: str, period: int | None, primary_loaded: bool) -> str | None:
    """The skip reason for one key, or None: send."""
    # 2. Replica through its loaded primary.
    if f.get("multi_region") == "REPLICA" and primary_loaded:
        return "replica-through-primary"
    # 3. Ineligible.
    if f.get("describe_error") is not None or key.get("describe") is None:
        return "unreadable"
    status = status_of(key, f)
    completed = completed_rotations(key)
    if action != "rotate-now":
        reason = kind_reason(f)
        if reason:
            return reason
        if f.get("origin") == "EXTERNAL":
            return "imported-no-automatic"
        reason = state_reason(f)
        if reason:
            return reason
    else:
        reason = kind_reason(f) or state_reason(f)
        if reason:
            return reason
        if f.get("origin") == "EXTERNAL" and completed is not None:
            # READING: with the history unread it is not known whether new material is pending;
            # the check does not match, and step 5 skips the key as history-unread.
            states = {r.get("KeyMaterialState") for r in key["rotations"]}
            if "PENDING_ROTATION" not in states:
                # A multi-Region primary's new material not yet in every replica (docs/kms.md
                # §3.8 Key material).
                if "PENDING_MULTI_REGION_IMPORT_AND_ROTATION" in states:
                    return "replicas-need-material"
                return "no-pending-import"
        # READING: with the status unread, "in progress" is not known; the check does not match
        # (the send path reads the status again before sending: docs/rotation-safety.md §2.3).
        if status is not None and f.get("in_progress"):
            return "in-progress"
        if completed is not None:
            used = sum(1 for r in completed if r.get("RotationType") == "ON_DEMAND")
            if used >= ON_DEMAND_LIMIT:
                return "none-left"
    # 4. Already in the requested state.
    # READING: a key that is on without a RotationPeriodInDays is not "on with period N" (KMS
    # always returns the period of a key that is on; sending sets it explicitly).
    on_with_period = status == "on" and f.get("rotation_period_days") == period
    if action == "enable-auto":
        if on_with_period:
            return "already-on"
    elif action == "set-period":
        if status is None:
            return "status-unread"
        if on_with_period:
            return "already-on"
        if status == "off":
            return "auto-off"
    elif action == "disable-auto":
        if status == "off":
            return "already-off"
    # 5. Rotate now without a count.
    elif completed is None:
        return "history-unread"
    return None


def plan(reads: dict, action: str, period: int | None, now: float) -> dict:
    scopes = reads["scopes"]
    loaded = {(s["account"], s["region"]) for s in scopes if not s.get("error")}
    all_facts = [(s, k, verdicts.facts(s, k, now)) for s in scopes if not s.get("error") for k in s["keys"]]
    present = {(f["account"], f["region"], f["key_id"]) for _, _, f in all_facts}

    keys = []
    per_scope = {}
    for s in scopes:
        if not s.get("error"):
            per_scope.setdefault((s["account"], s["region"]), {"account": s["account"], "region": s["region"],
                                                               "sends": 0, "skips": 0})
    billed = 0
    for scope, key, f in all_facts:
        primary = f.get("primary_region")
        # As verdicts.judge lists keys: a replica whose primary's scope is loaded and holds the
        # primary is not listed (it is planned through the primary).
        primary_loaded = bool(
            f.get("multi_region") == "REPLICA" and primary
            and (f["account"], primary) in loaded
            and (f["account"], primary, f["key_id"]) in present
        )
        if primary_loaded:
            continue  # not listed, so not in the selection
        reason = plan_key(key, f, action, period, primary_loaded)
        send = reason is None
        keys.append({"account": f["account"], "region": f["region"], "key_id": f["key_id"],
                     "plan": "send" if send else "skip", "reason": reason})
        counts = per_scope[(f["account"], f["region"])]
        counts["sends" if send else "skips"] += 1
        if send and action != "disable-auto":
            completed = completed_rotations(key)
            if completed is not None and len(completed) < 2:
                billed += 1

    sends = sum(1 for k in keys if k["plan"] == "send")
    return {
        "action": action,
        "period_days": period,
        "scopes": [{"account": s["account"], "region": s["region"], "error": s.get("error")} for s in scopes],
        "keys": keys,
        "per_scope": list(per_scope.values()),
        "sends": sends,
        "skips": len(keys) - sends,
        "billed": billed,
        "rotations_consumed": sends if action == "rotate-now" else 0,
    }


def main() -> None:
    args = sys.argv[1:]
    cache = None
    while args[:1] in (["--cache"], ["--process-per-call"], ["--boto3"]):
        if args[0] == "--cache":
            cache, args = Path(args[1]), args[2:]
        elif args[0] == "--boto3":
            verdicts.BOTO3, args = True, args[1:]
        else:
            verdicts.PROCESS_PER_CALL, args = True, args[1:]
    if verdicts.BOTO3 and verdicts.PROCESS_PER_CALL:
        raise SystemExit("--boto3 and --process-per-call are two ways to read: choose one")
    if len(args) != 4:
        raise SystemExit(__doc__)
    endpoint, spec, action, period_arg = args[0], json.loads(args[1]), args[2], args[3]
    if action not in ACTIONS:
        raise SystemExit(f"ACTION must be one of {', '.join(ACTIONS)}, not {action!r}")
    period = None
    if action in ("enable-auto", "set-period"):
        try:
            period = int(period_arg)
        except ValueError:
            raise SystemExit(f"PERIOD must be a number of days for {action}, not {period_arg!r}") from None
    if cache is not None and cache.exists():
        reads = json.loads(cache.read_text())
    else:
        try:
            reads = verdicts.read_scopes(endpoint.rstrip("/"), spec)
        finally:
            verdicts.close_workers()
        if cache is not None:
            cache.write_text(json.dumps(reads))
    print(json.dumps(plan(reads, action, period, time.time()), indent=1))


if __name__ == "__main__":
    main()
