"""S3 on the same port: upload with the IAM user's keys, anonymous reads of public-read objects
(how a built console could be served from the peer)."""

from __future__ import annotations

from pathlib import Path

from conftest import Creds, Fleet


def test_public_read_objects_are_served_anonymously(fleet: Fleet, tmp_path: Path) -> None:
    user = fleet.peer.control("GET", "user")
    creds = Creds(user["AccessKeyId"], user["SecretAccessKey"])
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>keyturn</h1>")
    (site / "app.wasm").write_bytes(b"\0asm\1\0\0\0")
    fleet.cli("s3", "mb", "s3://console", creds=creds)
    fleet.cli("s3", "sync", str(site), "s3://console", "--acl", "public-read", creds=creds)
    fleet.cli("s3", "cp", str(site / "index.html"), "s3://console/private.html", creds=creds)
    page = fleet.peer.request("GET", "/console/", headers={"Origin": "http://a.test"})
    assert (page.status, page.body) == (200, b"<h1>keyturn</h1>")
    assert page.headers["content-type"] == "text/html"
    assert page.headers["access-control-allow-origin"] == "*"
    wasm = fleet.peer.request("HEAD", "/console/app.wasm")
    assert wasm.status == 200 and wasm.headers["content-type"] == "application/wasm"
    assert wasm.headers["content-length"] == "8"
    assert fleet.peer.request("GET", "/console/private.html").status == 403
    assert fleet.peer.request("GET", "/console/missing.js").status == 404
    # The demo role has no S3 permissions.
    err = fleet.cli_error("s3", "ls", "s3://console")
    assert err.code == "AccessDenied"


def test_unsigned_requests_and_moto_reset_are_refused(fleet: Fleet) -> None:
    reply = fleet.peer.request("GET", "/")
    assert reply.status == 400
    assert reply.json()["__type"] == "com.amazon.coral.service#MissingAuthenticationTokenException"
    assert fleet.peer.request("POST", "/moto-api/reset-auth", b"inf").status == 403
    # Signature checking is still on.
    assert fleet.cli_error("kms", "list-keys", creds=Creds("AKIAX", "y" * 40)).code == \
        "UnrecognizedClientException"
