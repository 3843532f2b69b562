"""CORS like real KMS (docs/kms.md §6.3 What KMS and STS answer to a preflight; docs/peer.md
"CORS")."""

from __future__ import annotations

from pathlib import Path

from conftest import Fleet, Peer

EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
REQUESTED = ("content-type,x-amz-target,content-length,host,x-amz-user-agent,user-agent,"
             "Authorization,amz-sdk-invocation-id,amz-sdk-request,x-amz-security-token")


def preflight(peer: Peer, origin: str = "http://127.0.0.1:8080", path: str = "/"):
    return peer.request("OPTIONS", path, headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": REQUESTED,
    })


def test_preflight_like_kms(peer: Peer) -> None:
    reply = preflight(peer)
    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-methods"] == "POST"
    assert reply.headers["access-control-allow-headers"] == REQUESTED
    assert reply.headers["access-control-expose-headers"] == EXPOSE
    assert reply.headers["access-control-max-age"] == "172800"
    assert reply.headers["x-amzn-requestid"]
    s3 = preflight(peer, path="/bucket/index.html")
    assert "GET" in s3.headers["access-control-allow-methods"]


def test_cors_headers_on_success_error_and_server_fault(fleet: Fleet) -> None:
    ok = fleet.kms_call("ListKeys")
    client_error = fleet.kms_call("DescribeKey", {"KeyId": "alias/does-not-exist"})
    # Custom key stores are not implemented by moto; the front turns its failure into JSON.
    fault = fleet.kms_call("CreateCustomKeyStore", {"CustomKeyStoreName": "x"})
    assert (ok.status, client_error.status) == (200, 400)
    assert fault.status == 500
    assert fault.json()["__type"] == "KMSInternalException"
    for reply in (ok, client_error, fault):
        assert reply.headers["access-control-allow-origin"] == "*"
        assert reply.headers["access-control-expose-headers"] == EXPOSE
        assert reply.headers["x-amzn-requestid"]
        assert reply.headers["content-type"] == "application/x-amz-json-1.1"
    assert client_error.headers["x-amzn-errortype"] == "NotFoundException"
    assert fault.headers["x-amzn-errortype"] == "KMSInternalException"


def test_control_endpoints_are_open_to_any_origin(peer: Peer) -> None:
    reply = peer.request("GET", "/_keyturn/credentials", headers={"Origin": "http://a.test"})
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert peer.request("GET", "/_keyturn/nope").status == 404
    assert peer.request("GET", "/_keyturn/reset").status == 405


def test_allow_list_mode_leaves_other_origins_without_cors(strict_peer: Peer, tmp_path: Path) -> None:
    allowed = preflight(strict_peer, origin="http://allowed.test")
    assert allowed.headers["access-control-allow-origin"] == "http://allowed.test"
    assert allowed.headers["access-control-expose-headers"] == EXPOSE
    refused = preflight(strict_peer, origin="http://127.0.0.1:8080")
    assert not any(name.startswith("access-control-") for name in refused.headers)
    # The request itself still works without a browser in the way.
    fleet = Fleet(strict_peer, strict_peer.control("GET", "credentials"), tmp_path)
    reply = fleet.kms_call("ListKeys")
    assert reply.status == 200 and reply.json()["Keys"] == []
    assert "access-control-allow-origin" not in reply.headers
