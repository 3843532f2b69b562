"""Fixtures: the peer as a subprocess on a free port, the AWS CLI v1 from the venv against it,
and raw SigV4-signed requests (botocore's signer) for what the CLI cannot send."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REPO = Path(__file__).resolve().parents[2]
AWS_CLI = Path(sys.executable).parent / "aws"
ROTATION_SECONDS = 2.0
# "... operation (reached max retries: 4): ..." once the CLI's retries are used up.
_CLI_ERROR = re.compile(
    r"An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \([^)]*\))?: (.*)", re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class CliError(Exception):
    def __init__(self, code: str, message: str, stderr: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.stderr = stderr


class Peer:
    """One running peer process."""

    def __init__(self, state_dir: Path, *extra: str) -> None:
        self.port = free_port()
        self.state_dir = state_dir
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "peer.keyturn_peer", "--port", str(self.port),
                "--state-dir", str(state_dir), "--rotation-seconds", str(ROTATION_SECONDS), *extra]
        self.log = open(state_dir.parent / f"peer-{self.port}.log", "w")
        self.process = subprocess.Popen(args, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (state_dir / "ready").exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"peer exited with {self.process.returncode}; see {self.log.name}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("peer did not become ready in 30 s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()

    # -- plain HTTP ---------------------------------------------------------------------

    def request(self, method: str, path: str = "/", body: bytes | str = b"",
                headers: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def control(self, method: str, name: str, payload: Any = None) -> Any:
        body = json.dumps(payload) if payload is not None else ""
        reply = self.request(method, f"/_keyturn/{name}", body)
        assert reply.status == 200, reply.body
        return reply.json()

    def reset(self, **options: Any) -> dict[str, Any]:
        return self.control("POST", "reset", options or None)

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        """The request log (`GET /_keyturn/requests`), optionally filtered."""
        query = f"?{urlencode(filters)}" if filters else ""
        return self.control("GET", f"requests{query}")["requests"]


@dataclass
class Creds:
    access_key_id: str
    secret: str
    token: str | None = None

    @classmethod
    def from_sts(cls, doc: dict[str, Any]) -> "Creds":
        c = doc["Credentials"]
        return cls(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    def env(self) -> dict[str, str]:
        out = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret}
        if self.token:
            out["AWS_SESSION_TOKEN"] = self.token
        return out


class Fleet:
    """The peer just after a reset, with the fresh session credentials."""

    def __init__(self, peer: Peer, sts_doc: dict[str, Any], home: Path) -> None:
        self.peer = peer
        self.sts_doc = sts_doc
        self.creds = Creds.from_sts(sts_doc)
        self.home = home
        self._boto: dict[str, Any] = {}

    # -- the AWS CLI v1 -----------------------------------------------------------------

    def cli(self, service: str, op: str, *args: str, region: str = "us-east-1",
            creds: Creds | None = None, env: dict[str, str] | None = None) -> Any:
        """Run `aws <service> <op> ...` against the peer; JSON output, or CliError. `env` adds
        variables, e.g. AWS_MAX_ATTEMPTS=1 to switch the CLI's retries off."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "AWS_CONFIG_FILE": str(self.home / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            **(creds or self.creds).env(),
            **(env or {}),
        }
        cmd = [str(AWS_CLI), service, op, *args, "--endpoint-url", self.peer.url,
               "--region", region, "--output", "json"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            match = _CLI_ERROR.search(done.stderr)
            if match:
                raise CliError(match.group(1), match.group(3).strip(), done.stderr)
            raise CliError("CLI", done.stderr.strip(), done.stderr)
        if not done.stdout.strip():
            return None
        try:
            return json.loads(done.stdout)
        except ValueError:  # `aws s3 ...` prints progress lines, not JSON
            return done.stdout

    def cli_error(self, service: str, op: str, *args: str, **kw: Any) -> CliError:
        with pytest.raises(CliError) as info:
            self.cli(service, op, *args, **kw)
        return info.value

    # -- boto3, for quick look-ups around the CLI calls ---------------------------------

    def kms(self, region: str = "us-east-1", validate: bool = True) -> Any:
        name = f"{region}:{validate}"
        if name not in self._boto:
            self._boto[name] = boto3.client(
                "kms", region_name=region, endpoint_url=self.peer.url,
                aws_access_key_id=self.creds.access_key_id,
                aws_secret_access_key=self.creds.secret,
                aws_session_token=self.creds.token,
                config=Config(parameter_validation=validate, retries={"max_attempts": 1}),
            )
        return self._boto[name]

    def key_id(self, alias: str, region: str = "us-east-1") -> str:
        return self.kms(region).describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]

    def client(self, service: str, creds: Creds | None = None, region: str = "us-east-1",
               validate: bool = True) -> Any:
        """A boto3 client for any service and credentials (default: the fleet's session), without
        retries."""
        creds = creds or self.creds
        return boto3.client(
            service, region_name=region, endpoint_url=self.peer.url,
            aws_access_key_id=creds.access_key_id, aws_secret_access_key=creds.secret,
            aws_session_token=creds.token,
            config=Config(parameter_validation=validate, retries={"max_attempts": 1}),
        )

    def assume(self, role_arn: str, session: str = "keyturn-test", creds: Creds | None = None,
               **params: Any) -> Creds:
        """AssumeRole (boto3) with the given credentials (default: the fleet's session)."""
        out = self.client("sts", creds).assume_role(RoleArn=role_arn, RoleSessionName=session,
                                                    **params)
        return Creds.from_sts(out)

    def sts_call(self, params: dict[str, Any], creds: Creds | None = None,
                 region: str = "us-east-1", accept_json: bool = False) -> Reply:
        """A raw signed STS Query request (form body), for members boto3 would refuse to send."""
        body = urlencode({"Version": "2011-06-15", **params})
        extra = {"Accept": "application/json"} if accept_json else None
        return self.signed("", body=body, service="sts", creds=creds, region=region,
                           extra_headers=extra)

    def user_creds(self) -> Creds:
        user = self.peer.control("GET", "user")
        return Creds(user["AccessKeyId"], user["SecretAccessKey"])

    # -- raw signed requests ------------------------------------------------------------

    def signed(self, target: str, payload: Any = None, *, region: str = "us-east-1",
               service: str = "kms", creds: Creds | None = None, when: dt.datetime | None = None,
               extra_headers: dict[str, str] | None = None, body: str | None = None) -> Reply:
        """POST / signed with botocore's SigV4Auth, as a browser would send it (with Origin)."""
        creds = creds or self.creds
        if body is None:
            body = json.dumps(payload if payload is not None else {})
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target,
                   "Host": f"127.0.0.1:{self.peer.port}"}
        if not target:
            headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                       "Host": f"127.0.0.1:{self.peer.port}"}
        req = AWSRequest("POST", self.peer.url + "/", data=body.encode(), headers=headers)
        signer = SigV4Auth(Credentials(creds.access_key_id, creds.secret, creds.token), service,
                           region)
        if when is None:
            signer.add_auth(req)
        else:
            with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
                signer.add_auth(req)
        out = dict(req.headers.items())
        out["Origin"] = "http://127.0.0.1:8080"
        out.update(extra_headers or {})
        return self.peer.request("POST", "/", body.encode(), out)

    def kms_call(self, op: str, payload: Any = None, **kw: Any) -> Reply:
        return self.signed(f"TrentService.{op}", payload, **kw)


@pytest.fixture(scope="session")
def peer(tmp_path_factory: pytest.TempPathFactory):
    assert AWS_CLI.exists(), f"the AWS CLI v1 is not in the venv: {AWS_CLI}"
    started = time.monotonic()
    p = Peer(tmp_path_factory.mktemp("peer") / "state")
    print(f"\npeer ready on {p.url} in {time.monotonic() - started:.2f} s")
    yield p
    p.stop()


@pytest.fixture
def fleet(peer: Peer, tmp_path: Path) -> Fleet:
    """A freshly reset demo fleet for each test (the reset also re-issues credentials)."""
    doc = peer.reset()
    return Fleet(peer, doc, tmp_path)


@pytest.fixture(scope="session")
def strict_peer(tmp_path_factory: pytest.TempPathFactory):
    """A second peer started with flags other than the defaults: no keys, CORS for one origin
    only, eventual consistency, and quotas at half their rates."""
    p = Peer(tmp_path_factory.mktemp("strict") / "state", "--seed", "none",
             "--cors-origins", "http://allowed.test", "--consistency-seconds", "1.5",
             "--quotas", "--quota-scale", "0.5")
    yield p
    p.stop()
