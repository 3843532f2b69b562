"""The compliance oracle: every key's verdict and reasons under a rotation policy, computed from
the AWS CLI v1's output alone (docs/compliance.md §3-§4; with --boto3, the same reads made with
the CLI's botocore), never from the console's code.

Usage: verdicts.py [--cache FILE] [--process-per-call | --boto3] ENDPOINT_URL SPEC_JSON POLICY_JSON NOW_EPOCH

- SPEC_JSON: a list of {"account", "role_arn" (null: the AWS_* credentials in the environment),
  "external_id" (optional), "regions": [...]}, as fleet.py --scopes takes it. Each role is
  assumed with `aws sts assume-role` through the same endpoint, signed with the environment's
  credentials.
- POLICY_JSON: {"require_auto", "max_period_days", "max_age_days", "min_remaining",
  "include_aws_managed", "include_imported", "include_disabled"}; a field left out takes the
  default of docs/compliance.md §2, a null limit means no limit.
- NOW_EPOCH: the time of the check, in seconds (UTC).
- --cache FILE: the reads are policy-independent: with FILE present they are taken from it
  instead of asking the CLI again; without it they are read and then written there. Several
  policies can then be judged on one set of reads (end2end/tests/compliance.spec.ts).

Every read is `aws kms list-keys / list-aliases / describe-key / get-key-rotation-status /
list-key-rotations --endpoint-url URL --region R --output json`: the AWS CLI v1 (awscli 1.46.3 in
the repository's .venv), whose printed JSON is what the rules read. Eight threads each drive one
long-lived worker subprocess (`verdicts.py --cli-worker`) that runs the CLI's own driver
(awscli.clidriver, what `.venv/bin/aws` runs: one driver per set of credentials, its `main(argv)`
once per command) and hands back what `aws ARGV` would exit with and print. Starting a fresh
`aws` process costs ~0.7 s of CPU, so the ~140 runs of the demo took 60-75 s on this 2-core
machine; the workers take 7-10 s. `--process-per-call` runs the `aws` executable itself for every command instead;
both modes gave byte-identical reads of the demo organisation.

`--boto3` makes the same reads in this process with boto3 on botocore, the AWS CLI's own library,
for fleets where even the workers are too slow (three calls per key: the demo plus
`--bulk-fleet 200` is ~3,700 runs). Each `aws ARGV` above is made as the CLI makes
it: the same operation and parameters (mapped through the service model as the CLI maps its
options), every page followed with botocore's paginator and merged as the CLI merges them
(`build_full_result`), timestamps and blobs left as they come over the wire (the CLI's
`cli_timestamp_format` "wire" parser, awscli/customizations/scalarparse.py), ResponseMetadata
dropped and an empty answer printed as nothing, one attempt per call (AWS_MAX_ATTEMPTS=1), the AWS
error code of a failed call. Reads only; eight threads share one thread-safe client per set of
credentials and Region; judging is the same code. Checked against the worker mode: the printed
output byte-identical and the reads equal (as JSON: the order of a key's fields in the cache
follows which thread answered first) on the demo organisation and on the demo plus
`--bulk-fleet 200` (1,244 keys in the six scopes: 16-20 s with --boto3, 92 s with the workers, on
two busy cores).

Prints one JSON object:
  {"now", "policy", "scopes": [{"account", "region", "error"}],
   "keys": [{"account", "region", "key_id", "listed", "verdict", "reasons", "primary_region",
             "key_arn", "aliases", "description", "key_manager", "key_spec", "origin",
             "key_state", "multi_region", "auto_rotation", "rotation_period_days",
             "next_rotation", "on_demand_used", "on_demand_remaining", "last_rotation",
             "material_age_days", "creation_date"}],
   "summary": {"pass", "fail", "n/a", "unknown"}}        (summary: listed keys only)

Readings of edges docs/compliance.md leaves open are marked "READING:" below.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

AWS_CLI = str(Path(__file__).resolve().parents[3] / ".venv" / "bin" / "aws")
# The interpreter the `aws` script runs with (its awscli and botocore).
CLI_PYTHON = str(Path(AWS_CLI).with_name("python"))
WORKERS = 8
CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# Set by --process-per-call.
PROCESS_PER_CALL = False
# Set by --boto3.
BOTO3 = False
DAY = 86400
# docs/kms.md §3.5 The on-demand limit: 25 per key (src/console/quota.rs has the same constant).
ON_DEMAND_LIMIT = 25
# docs/compliance.md §2.
DEFAULT_POLICY = {
    "require_auto": True,
    "max_period_days": 365,
    "max_age_days": 365,
    "min_remaining": 5,
    "include_aws_managed": False,
    "include_imported": False,
    "include_disabled": False,
}
AWS_MANAGED_PERIOD = 365
CUSTOM_KEY_STORE_ORIGINS = ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")


class CliError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


# ---------------------------------------------------------------- the AWS CLI


def cli_env(creds: dict | None) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
    }
    if creds:
        env["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]
        env["AWS_SECRET_ACCESS_KEY"] = creds["SecretAccessKey"]
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    else:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if os.environ.get(name):
                env[name] = os.environ[name]
    return env


class CliWorker:
    """One long-lived `verdicts.py --cli-worker` subprocess, used by one thread at a time."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [CLI_PYTHON, __file__, "--cli-worker"],
            env=cli_env(None) | {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": ""},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], env: dict) -> tuple[int, str, str]:
        creds = {name: env[name] for name in CREDENTIAL_VARS if env.get(name)}
        self.proc.stdin.write(json.dumps({"argv": argv, "env": creds}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("a --cli-worker process ended unexpectedly")
        answer = json.loads(line)
        return answer["rc"], answer["stdout"], answer["stderr"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


_local = threading.local()
_workers: list[CliWorker] = []
_workers_lock = threading.Lock()


def run_cli(argv: list[str], env: dict) -> tuple[int, str, str]:
    if PROCESS_PER_CALL:
        done = subprocess.run([AWS_CLI, *argv], env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    worker = getattr(_local, "worker", None)
    if worker is None:
        worker = _local.worker = CliWorker()
        with _workers_lock:
            _workers.append(worker)
    return worker.run(argv, env)


def close_workers() -> None:
    for worker in _workers:
        worker.close()


def cli_worker() -> None:
    """The worker: one AWS CLI v1 run per line of stdin ({"argv", "env": credentials}), answered
    on stdout with {"rc", "stdout", "stderr"}: what `aws ARGV` would exit with and print."""
    from awscli.clidriver import create_clidriver

    answer_to = sys.stdout
    # One CLI driver per set of credentials: its session resolves them from the environment
    # once, as one `aws` process does; the Region, endpoint and output are parsed from each
    # command's own arguments (checked against --process-per-call: the same reads).
    drivers: dict[tuple, object] = {}
    for line in sys.stdin:
        request = json.loads(line)
        creds = tuple(request["env"].get(name, "") for name in CREDENTIAL_VARS)
        if creds not in drivers:
            for name in CREDENTIAL_VARS:
                os.environ.pop(name, None)
            os.environ.update(request["env"])
            drivers[creds] = create_clidriver()
        driver = drivers[creds]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = driver.main(request["argv"])
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 1
            except Exception as e:  # noqa: BLE001 - reported like the CLI's own failure
                err.write(f"{type(e).__name__}: {e}")
                rc = 255
        answer_to.write(json.dumps({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
        answer_to.flush()


def aws(endpoint: str, region: str, creds: dict | None, args: list[str]):
    """One `aws ...` run; its parsed JSON, or CliError with the AWS error code."""
    if BOTO3:
        return boto3_call(endpoint, region, creds, args)
    argv = [*args, "--endpoint-url", endpoint, "--region", region, "--output", "json"]
    rc, stdout, stderr = run_cli(argv, cli_env(creds))
    if rc != 0:
        m = re.search(r"An error occurred \(([^)]+)\)", stderr)
        if m:
            raise CliError(m.group(1), stderr.strip())
        # Not an AWS answer (the CLI could not reach the peer, a bad argument): no verdict can be
        # trusted, so stop instead of calling it "unknown".
        raise SystemExit(f"aws {' '.join(args)} failed without an AWS error code: {stderr.strip()}")
    return json.loads(stdout) if stdout.strip() else None


# ---------------------------------------------------------------- boto3 (--boto3)

# The only commands the reads make: a read-only allowlist, so --boto3 cannot write.
BOTO3_COMMANDS = {
    ("sts", "assume-role"),
    ("kms", "list-keys"),
    ("kms", "list-aliases"),
    ("kms", "describe-key"),
    ("kms", "get-key-rotation-status"),
    ("kms", "list-key-rotations"),
}
_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def boto3_client(endpoint: str, region: str, creds: dict | None, service: str):
    """One client per (service, Region, credentials), made once under a lock (sessions are not
    thread-safe, clients are). Credentials as `cli_env` gives them to the CLI."""
    env = cli_env(creds)
    secrets = tuple(env.get(name) for name in CREDENTIAL_VARS)
    cache_key = (service, region, endpoint, secrets)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            import boto3
            import botocore.session
            from botocore.config import Config

            core = botocore.session.Session()
            # No profile or shared file (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are
            # /dev/null for the CLI).
            core.set_config_variable("config_file", "/dev/null")
            core.set_config_variable("credentials_file", "/dev/null")
            # As the CLI's session: timestamps and blobs as they come over the wire.
            factory = core.get_component("response_parser_factory")
            factory.set_parser_defaults(timestamp_parser=lambda x: x, blob_parser=lambda x: x)
            session = boto3.session.Session(
                aws_access_key_id=secrets[0],
                aws_secret_access_key=secrets[1],
                aws_session_token=secrets[2],
                region_name=region,
                botocore_session=core,
            )
            client = session.client(
                service,
                endpoint_url=endpoint,
                config=Config(retries={"total_max_attempts": 1, "mode": "legacy"},
                              max_pool_connections=WORKERS + 2),
            )
            _clients[cache_key] = client
    return client


def boto3_params(client, operation: str, options: list[str]) -> dict:
    """`--kebab-name VALUE ...` as the operation's parameters, typed by its input shape."""
    from botocore import xform_name

    members = client.meta.service_model.operation_model(operation).input_shape.members
    by_option = {xform_name(name, "-"): (name, shape) for name, shape in members.items()}
    params: dict = {}
    rest = list(options)
    while rest:
        option, value, rest = rest[0], rest[1], rest[2:]
        name, shape = by_option[option.removeprefix("--")]
        if shape.type_name in ("integer", "long"):
            params[name] = int(value)
        elif shape.type_name == "boolean":
            params[name] = value.lower() == "true"
        else:
            params[name] = value
    return params


def boto3_call(endpoint: str, region: str, creds: dict | None, args: list[str]):
    """What `aws ARGV --output json` prints, parsed, made with boto3; CliError on an AWS error."""
    from botocore.exceptions import BotoCoreError, ClientError

    service, command, options = args[0], args[1], args[2:]
    if (service, command) not in BOTO3_COMMANDS:
        raise SystemExit(f"--boto3 makes reads only, not aws {service} {command}")
    client = boto3_client(endpoint, region, creds, service)
    method = command.replace("-", "_")
    operation = client.meta.method_to_api_mapping[method]
    params = boto3_params(client, operation, options)
    try:
        if client.can_paginate(method):
            # The CLI follows every page and merges them the same way.
            out = client.get_paginator(method).paginate(**params).build_full_result()
        else:
            out = getattr(client, method)(**params)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code")
        if code:
            raise CliError(code, str(e)) from None
        raise SystemExit(f"aws {' '.join(args)} failed without an AWS error code: {e}")
    except BotoCoreError as e:
        # Not an AWS answer: as the CLI mode, stop instead of calling it "unknown".
        raise SystemExit(f"aws {' '.join(args)} failed without an AWS error code: {e}")
    out.pop("ResponseMetadata", None)
    # The CLI prints nothing for an empty answer.
    return out or None


def attempt(fn, *args):
    """(value, None) or (None, error code)."""
    try:
        return fn(*args), None
    except CliError as e:
        return None, e.code


# ---------------------------------------------------------------- reading


def read_scopes(endpoint: str, spec: list) -> dict:
    """Every read the rules use, for every scope of the spec, policy-independent."""
    scopes = []
    creds_of: dict[str, dict | None] = {}
    for entry in spec:
        creds, err = None, None
        if entry.get("role_arn"):
            args = ["sts", "assume-role", "--role-arn", entry["role_arn"],
                    "--role-session-name", "keyturn-e2e-oracle", "--duration-seconds", "3600"]
            if entry.get("external_id"):
                args += ["--external-id", entry["external_id"]]
            out, err = attempt(aws, endpoint, "us-east-1", None, args)
            creds = out["Credentials"] if out else None
        creds_of[entry["account"]] = creds
        for region in entry["regions"]:
            scopes.append({"account": entry["account"], "region": region, "error": err,
                           "creds": creds, "keys": [], "aliases": []})

    with ThreadPoolExecutor(WORKERS) as pool:
        # ListKeys and ListAliases of every scope (the CLI follows the pages).
        def listing(scope):
            if scope["error"]:
                return
            r, c = scope["region"], scope["creds"]
            keys, err = attempt(aws, endpoint, r, c, ["kms", "list-keys"])
            if err:
                scope["error"] = err
                return
            aliases, err = attempt(aws, endpoint, r, c, ["kms", "list-aliases"])
            if err:
                scope["error"] = err
                return
            scope["keys"] = [{"KeyId": k["KeyId"], "KeyArn": k.get("KeyArn")} for k in keys.get("Keys", [])]
            scope["aliases"] = aliases.get("Aliases", [])

        list(pool.map(listing, scopes))

        # Per key: DescribeKey, then GetKeyRotationStatus and ListKeyRotations. READING: the two
        # rotation reads are made for every key (also those §3 makes n/a, so that the export
        # columns can be checked; a failed read only matters where a rule needs it), except where
        # DescribeKey already says KMS refuses them (another spec than SYMMETRIC_DEFAULT, a custom
        # key store: UnsupportedOperationException): ten CLI runs fewer.
        described = [(scope, key, "describe") for scope in scopes for key in scope["keys"]]

        def read(job):
            scope, key, op = job
            r, c, kid = scope["region"], scope["creds"], key["KeyId"]
            if op == "describe":
                out, err = attempt(aws, endpoint, r, c, ["kms", "describe-key", "--key-id", kid])
                key["describe"] = out["KeyMetadata"] if out else None
                key["describe_error"] = err
            elif op == "status":
                out, err = attempt(aws, endpoint, r, c, ["kms", "get-key-rotation-status", "--key-id", kid])
                key["status"] = out
                key["status_error"] = err
            else:
                # ALL_KEY_MATERIAL also lists the first material and pending imported material
                # (entries without RotationDate/RotationType); only completed rotations carry a
                # RotationDate, which is what R3 and the count use. Used for every key so the
                # EXTERNAL ones are read the way the brief asks; entries without a RotationType
                # are not counted.
                out, err = attempt(aws, endpoint, r, c, ["kms", "list-key-rotations", "--key-id", kid,
                                                         "--include-key-material", "ALL_KEY_MATERIAL"])
                key["rotations"] = out.get("Rotations", []) if out else None
                key["rotations_error"] = err

        list(pool.map(read, described))

        def rotation_reads_answer(key) -> bool:
            meta = key.get("describe")
            if meta is None:
                return True
            spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
            custom = meta.get("CustomKeyStoreId") or meta.get("Origin") in CUSTOM_KEY_STORE_ORIGINS
            return spec == "SYMMETRIC_DEFAULT" and not custom

        jobs = []
        for scope, key, _ in described:
            if rotation_reads_answer(key):
                jobs += [(scope, key, "status"), (scope, key, "rotations")]
            else:
                key["status"] = key["rotations"] = None
                key["status_error"] = key["rotations_error"] = "not read"
        list(pool.map(read, jobs))

    for scope in scopes:
        scope.pop("creds", None)
    return {"scopes": scopes}


# ---------------------------------------------------------------- judging


def epoch(value) -> float | None:
    """A CLI v1 timestamp (epoch number as the JSON protocol sends it, or an ISO string)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()


def iso(seconds: float | None) -> str | None:
    """ISO 8601 UTC to the second, as docs/compliance.md §6 writes dates."""
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(int(seconds // 1), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d")


def facts(scope: dict, key: dict, now: float) -> dict:
    """What the reads say about one key, policy-independent (also the export columns)."""
    meta = key.get("describe")
    status = key.get("status")
    rotations = key.get("rotations")
    aliases = sorted(a["AliasName"] for a in scope["aliases"] if a.get("TargetKeyId") == key["KeyId"])
    f = {
        "account": scope["account"],
        "region": scope["region"],
        "key_id": key["KeyId"],
        "key_arn": (meta or {}).get("Arn") or key.get("KeyArn"),
        "aliases": aliases,
        "describe_error": key.get("describe_error"),
        "status_error": key.get("status_error"),
        "rotations_error": key.get("rotations_error"),
    }
    if meta is None:
        return f
    mrc = meta.get("MultiRegionConfiguration") or {}
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    f.update({
        "description": meta.get("Description"),
        "key_manager": meta.get("KeyManager"),
        "key_spec": spec,
        "origin": meta.get("Origin"),
        "key_state": meta.get("KeyState"),
        "custom_key_store_id": meta.get("CustomKeyStoreId"),
        "multi_region": mrc.get("MultiRegionKeyType"),
        "primary_region": (mrc.get("PrimaryKey") or {}).get("Region") if mrc.get("MultiRegionKeyType") == "REPLICA" else None,
        "creation_date": epoch(meta.get("CreationDate")),
    })
    aws_managed = f["key_manager"] == "AWS"
    # Keys that can rotate on demand (docs/rotation-safety.md): customer managed, symmetric,
    # AWS_KMS or EXTERNAL material, not in a custom key store, not a replica.
    f["on_demand_capable"] = (
        f["key_manager"] == "CUSTOMER"
        and spec == "SYMMETRIC_DEFAULT"
        and f["origin"] in ("AWS_KMS", "EXTERNAL")
        and not f["custom_key_store_id"]
        and f["multi_region"] != "REPLICA"
    )
    if status is not None:
        enabled = bool(status.get("KeyRotationEnabled"))
        f["auto_rotation"] = "on" if enabled else "off"
        period = status.get("RotationPeriodInDays")
        if enabled and period is None and aws_managed:
            period = AWS_MANAGED_PERIOD  # §4 R2
        f["rotation_period_days"] = period if enabled else None
        f["next_rotation_epoch"] = epoch(status.get("NextRotationDate")) if enabled else None
        f["in_progress"] = status.get("OnDemandRotationStartDate") is not None
    if rotations is not None:
        completed = [r for r in rotations if r.get("RotationType") in ("AUTOMATIC", "ON_DEMAND")]
        dates = [epoch(r["RotationDate"]) for r in rotations if r.get("RotationDate") is not None]
        f["last_rotation_epoch"] = max(dates) if dates else None
        material = f["last_rotation_epoch"] if dates else f["creation_date"]
        if f["key_state"] == "PendingImport":
            material = None  # no material yet (docs/compliance.md §4, R3)
        f["material_epoch"] = material
        f["material_age_days"] = int((now - material) // DAY) if material is not None else None
        used = sum(1 for r in completed if r.get("RotationType") == "ON_DEMAND")
        if f["on_demand_capable"]:
            # One more while a rotation is in progress (none in a settled demo).
            in_progress = 1 if f.get("in_progress") else 0
            f["on_demand_used"] = used
            f["on_demand_remaining"] = max(0, ON_DEMAND_LIMIT - used - in_progress)
    elif key.get("rotations_error") in (None, "not read") and f["key_state"] != "PendingImport":
        # Rotations are not read for keys that cannot rotate (asymmetric, HMAC, custom key
        # stores): their one material is as old as the key (docs/compliance.md §4, R3). A key
        # waiting for its first import has no material.
        f["material_epoch"] = f["creation_date"]
        f["material_age_days"] = (
            int((now - f["creation_date"]) // DAY) if f["creation_date"] is not None else None
        )
    return f


def not_applicable(f: dict, policy: dict) -> str | None:
    """§3, in its order: the first match makes the verdict n/a with this reason."""
    spec = f.get("key_spec") or "unknown"
    if f["key_manager"] == "AWS" and not policy["include_aws_managed"]:
        return "AWS managed: AWS rotates it yearly"
    if spec.startswith("HMAC"):
        return f"{spec} key: manual rotation only"
    if spec != "SYMMETRIC_DEFAULT":
        return f"{spec} key: manual rotation only"
    if f["origin"] in CUSTOM_KEY_STORE_ORIGINS or f.get("custom_key_store_id"):
        return "custom key store: KMS does not rotate it"
    if f["origin"] == "EXTERNAL" and not policy["include_imported"]:
        return "imported key material: no automatic rotation"
    if f["key_state"] == "PendingDeletion":
        return "pending deletion"
    if f["key_state"] == "Disabled" and not policy["include_disabled"]:
        return "disabled"
    if f["key_state"] not in ("Enabled", "Disabled"):
        return f"state {f['key_state']}"
    return None


def on_demand_text(n: int) -> str:
    if n == 0:
        return "no on-demand rotations left"
    if n == 1:
        return "1 on-demand rotation left"
    return f"{n} on-demand rotations left"


def judge_own(f: dict, policy: dict) -> tuple[str, list[str]]:
    """§3 and §4 on the key's own reads."""
    if f.get("describe_error"):
        return "unknown", [f"DescribeKey failed: {f['describe_error']}"]
    na = not_applicable(f, policy)
    if na:
        return "n/a", [na]

    aws_managed = f["key_manager"] == "AWS"
    imported = f["origin"] == "EXTERNAL"
    reasons: list[str] = []
    failed = False
    unknown = False
    reported: set[str] = set()

    def available(read: str) -> bool:
        """Whether a read a rule needs answered; a failed one is listed once, where it is first
        needed. READING: the unknown read's reason takes the place of the first rule that needs
        it in the R1, R2, R3, W1, W2 order."""
        nonlocal unknown
        error = f.get(f"{read}_error")
        if error is None:
            return True
        unknown = True
        if read not in reported:
            reported.add(read)
            op = "GetKeyRotationStatus" if read == "status" else "ListKeyRotations"
            reasons.append(f"{op} failed: {error}")
        return False

    # R1: not checked for imported keys, always met by AWS managed keys.
    if policy["require_auto"] and not imported and not aws_managed:
        if available("status") and f["auto_rotation"] != "on":
            failed = True
            reasons.append("automatic rotation off")
    # R2: imported keys are judged by R3 only. AWS managed keys are on, 365 when no period.
    if policy["max_period_days"] is not None and not imported:
        if available("status") and (f["auto_rotation"] == "on" or aws_managed):
            # READING: a customer key that is on without a period counts as KMS's default, 365.
            period = f.get("rotation_period_days") or 365
            if period > policy["max_period_days"]:
                failed = True
                reasons.append(f"period {period} > {policy['max_period_days']}")
    # R3: the age of the current material.
    r3_passed = False
    if policy["max_age_days"] is not None:
        if available("rotations"):
            age = f["material_age_days"]
            if age > policy["max_age_days"]:
                failed = True
                reasons.append(f"material {age} days old > {policy['max_age_days']}")
            else:
                r3_passed = True
    # W1: keys that can rotate on demand. READING: also disabled keys when they are included
    # ("judged like enabled keys") and imported keys when included.
    if policy["min_remaining"] is not None and f["on_demand_capable"]:
        if available("rotations"):
            left = f["on_demand_remaining"]
            if left <= policy["min_remaining"]:
                reasons.append(on_demand_text(left))
    # W2 (docs/compliance.md §4): automatic rotation on, R3 passes, and R3 would fail before
    # the next automatic rotation: from material date + (max + 1) days on, the age in whole days
    # is above the maximum; warn when that instant comes before NextRotationDate. (A period
    # equal to the maximum rotates a day earlier: no warning.) Checked whatever R1/R2 said.
    if r3_passed and not imported and available("status") and (f.get("auto_rotation") == "on"):
        nxt = f.get("next_rotation_epoch")
        exceeds = f["material_epoch"] + (policy["max_age_days"] + 1) * DAY
        if nxt is not None and exceeds < nxt:
            reasons.append(
                f"material exceeds {policy['max_age_days']} days on {day(exceeds)}, "
                f"before the next rotation on {day(nxt)}"
            )
    if f["key_state"] == "Disabled":
        reasons.append("disabled: KMS does not rotate it until it is enabled")

    verdict = "fail" if failed else "unknown" if unknown else "pass"
    return verdict, reasons


def judge(reads: dict, policy: dict, now: float) -> dict:
    scopes = reads["scopes"]
    loaded = {(s["account"], s["region"]) for s in scopes if not s["error"]}
    all_facts = [facts(s, k, now) for s in scopes if not s["error"] for k in s["keys"]]
    by_scope = {(f["account"], f["region"], f["key_id"]): f for f in all_facts}
    own = {id(f): judge_own(f, policy) for f in all_facts}

    out = []
    for f in all_facts:
        verdict, reasons = own[id(f)]
        listed = True
        primary = f.get("primary_region")
        if f.get("multi_region") == "REPLICA" and primary:
            # §3 Replicas: judged through the primary when its scope is loaded.
            p = by_scope.get((f["account"], primary, f["key_id"]))
            if (f["account"], primary) in loaded and p is not None:
                pv, pr = own[id(p)]
                verdict, reasons = pv, [*pr, f"judged by its primary in {primary}"]
                listed = False
            else:
                reasons = [*reasons, f"primary in {primary} not loaded: judged by the replica's own reads"]
        out.append({
            "account": f["account"],
            "region": f["region"],
            "key_id": f["key_id"],
            "listed": listed,
            "verdict": verdict,
            "reasons": reasons,
            "primary_region": primary,
            "key_arn": f.get("key_arn"),
            "aliases": f["aliases"],
            "description": f.get("description"),
            "key_manager": f.get("key_manager"),
            "key_spec": f.get("key_spec"),
            "origin": f.get("origin"),
            "key_state": f.get("key_state"),
            "multi_region": f.get("multi_region"),
            "auto_rotation": f.get("auto_rotation"),
            "rotation_period_days": f.get("rotation_period_days"),
            "next_rotation": iso(f.get("next_rotation_epoch")),
            "on_demand_used": f.get("on_demand_used"),
            "on_demand_remaining": f.get("on_demand_remaining"),
            "last_rotation": iso(f.get("last_rotation_epoch")),
            "material_age_days": f.get("material_age_days"),
            "creation_date": iso(f.get("creation_date")),
        })
    summary = {"pass": 0, "fail": 0, "n/a": 0, "unknown": 0}
    for k in out:
        if k["listed"]:
            summary[k["verdict"]] += 1
    return {
        "now": now,
        "policy": policy,
        "scopes": [{"account": s["account"], "region": s["region"], "error": s["error"]} for s in scopes],
        "keys": out,
        "summary": summary,
    }


def main() -> None:
    global PROCESS_PER_CALL, BOTO3
    args = sys.argv[1:]
    if args == ["--cli-worker"]:
        cli_worker()
        return
    cache = None
    while args[:1] in (["--cache"], ["--process-per-call"], ["--boto3"]):
        if args[0] == "--cache":
            cache, args = Path(args[1]), args[2:]
        elif args[0] == "--boto3":
            BOTO3, args = True, args[1:]
        else:
            PROCESS_PER_CALL, args = True, args[1:]
    if BOTO3 and PROCESS_PER_CALL:
        raise SystemExit("--boto3 and --process-per-call are two ways to read: choose one")
    if len(args) != 4:
        raise SystemExit(__doc__)
    endpoint, spec, policy_json, now = args[0], json.loads(args[1]), json.loads(args[2]), float(args[3])
    unknown_fields = set(policy_json) - set(DEFAULT_POLICY)
    if unknown_fields:
        raise SystemExit(f"unknown policy fields: {sorted(unknown_fields)}")
    policy = {**DEFAULT_POLICY, **policy_json}
    if cache is not None and cache.exists():
        reads = json.loads(cache.read_text())
    else:
        try:
            reads = read_scopes(endpoint.rstrip("/"), spec)
        finally:
            close_workers()
        if cache is not None:
            cache.write_text(json.dumps(reads))
    print(json.dumps(judge(reads, policy, now), indent=1))


if __name__ == "__main__":
    main()
