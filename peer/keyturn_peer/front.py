"""The WSGI front around moto's server app.

Per request: CORS preflights are answered here; `/_keyturn/*` are the peer's control endpoints;
KMS JSON requests (`X-Amz-Target: TrentService.*`) are authenticated here and either answered
by kms.HANDLERS or passed to moto; Organizations JSON requests
(`X-Amz-Target: AWSOrganizationsV20161128.*`) are authenticated and answered here (org.py);
STS requests are authenticated here too (AssumeRole is checked by sts.py) and then answered by
moto; IAM and S3 go to moto after the expiry and clock checks. Every request is served in the
account of its caller (auth.account_of). Every response gets the CORS headers and an
`x-amzn-RequestId`, errors and 5xx included. AWS requests that passed authentication go into the
request log (requestlog.py); the SCP deny list (scp.py), quotas (quotas.py) and faults
(faults.py) apply to them. What a fault does to the connection itself (a delay, a drop, the CORS
headers) happens here after the lock, so other requests go on.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass
from http import HTTPStatus
import json
import logging
import re
import socket
import threading
import time
import traceback
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from moto.core.utils import utcnow
from moto.kms.models import kms_backends
from werkzeug.datastructures import EnvironHeaders

from . import auth, errors, faults, keys, kms, org, requestlog, s3public, sts
from .cors import CorsPolicy
from .state import PeerState

log = logging.getLogger("keyturn_peer")

JSON_TYPE = "application/x-amz-json-1.1"  # docs/kms.md §1.3 Responses and data types
Response = tuple[int, list[tuple[str, str]], bytes]
# Query-protocol codes with which moto refuses a request's signature or key: such a request did
# not pass authentication and is not logged.
QUERY_AUTH_FAILURES = {"SignatureDoesNotMatch", "InvalidClientTokenId", "IncompleteSignature",
                       "MissingAuthenticationToken", "ExpiredToken"}
_QUERY_CODE = re.compile(rb"<Code>([^<]+)</Code>")
_ACCESS_KEY_ID = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_EXPIRATION = re.compile(rb"<Expiration>[^<]*</Expiration>")
# How the Query protocol names the signature failures auth reports with the JSON codes.
QUERY_AUTH_CODES = {
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 400),
}
ORGANIZATIONS_TARGET = "AWSOrganizationsV20161128."
# Organizations is a global service served from us-east-1, and signed for that Region
# (https://docs.aws.amazon.com/general/latest/gr/ao.html).
ORGANIZATIONS_REGION = "us-east-1"


@dataclass
class Exchange:
    """One AWS request on its way through the front."""

    request_id: str
    fault: faults.Fault | None = None
    # Its request-log entry, once it has passed authentication.
    log: dict[str, Any] | None = None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def json_response(status: int, data: Any, content_type: str = "application/json") -> Response:
    body = json.dumps(data).encode()
    return status, [("Content-Type", content_type)], body


# Authentication errors come from the AWS front end, not from KMS, and carry its namespace
# (`com.amazon.coral.service#ExpiredTokenException`); the header form has a `:` suffix, which
# clients cut. Clients must sanitise both (docs/kms.md §1.6 Error responses, §1.7 Common
# errors).
CORAL_NAMESPACE = "com.amazon.coral.service"


def kms_error(err: errors.KmsError | auth.AuthError) -> Response:
    # JSON error body plus the `x-amzn-ErrorType` header (docs/kms.md §1.6 Error responses).
    if isinstance(err, auth.AuthError):
        code = f"{CORAL_NAMESPACE}#{err.code}"
        header = f"{err.code}:http://internal.amazon.com/coral/{CORAL_NAMESPACE}/"
    else:
        code = header = err.code
    data = err.body() if isinstance(err, errors.KmsError) else {"__type": code,
                                                                    "message": err.message}
    body = json.dumps(data).encode()
    return err.status, [("Content-Type", JSON_TYPE), ("x-amzn-ErrorType", header)], body


def query_error(code: str, message: str, status: int, request_id: str) -> Response:
    # STS/IAM (Query protocol) error shape (docs/kms.md §2.12 STS GetCallerIdentity).
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return status, [("Content-Type", "text/xml")], body


def s3_error(code: str, message: str, status: int, request_id: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    return status, [("Content-Type", "application/xml")], body


class Front:
    def __init__(self, moto_app: Callable[..., Any], state: PeerState, cors: CorsPolicy,
                 latency_s: float = 0.0) -> None:
        self.moto_app = moto_app
        self.state = state
        self.cors = cors
        # Added to every AWS answer, outside the lock, to stand in for a network round trip
        # (benchmarks; a browser far from its Region waits tens of ms for each request).
        self.latency_s = latency_s
        # Moto's backends are not thread-safe; requests are quick, so they run one at a time.
        self.lock = threading.RLock()

    # -- WSGI entry -------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        origin = environ.get("HTTP_ORIGIN")
        is_s3 = path not in ("/", "") and not path.startswith("/_keyturn/")
        control = path.startswith("/_keyturn/")
        preflight = method == "OPTIONS"
        exchange = Exchange(request_id)
        try:
            if preflight:
                # Real KMS and STS answer the preflight themselves with 200 (docs/kms.md §6.3
                # What KMS and STS answer to a preflight).
                status, headers, body = 200, [("Content-Length", "0")], b""
            elif control:
                with self.lock:
                    status, headers, body = self.control(method, path, environ)
            else:
                with self.lock:
                    status, headers, body = self.aws(environ, method, path, exchange)
                delay = self.latency_s
                if faults.kind(exchange.fault) == faults.SLOW:
                    delay += (exchange.fault.delay_ms or 0.0) / 1000  # type: ignore[union-attr]
                if delay:
                    time.sleep(delay)
                if faults.kind(exchange.fault) == faults.DROP_AFTER:
                    _drop_connection(environ)
        except Exception:  # noqa: BLE001 - the peer must answer, never drop the connection
            log.error("unhandled error\n%s", traceback.format_exc())
            err = errors.internal("The peer failed; see its log.")
            status, headers, body = kms_error(err)
        # The front owns CORS, and the server adds Server/Date; a HEAD keeps moto's length.
        dropped = {"server", "date"} if method == "HEAD" else {"server", "date", "content-length"}
        headers = [(k, v) for k, v in headers
                   if not k.lower().startswith("access-control-") and k.lower() not in dropped]
        # An x-amzn-RequestId on everything (docs/kms.md §1.8 Request IDs).
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers.append(("x-amzn-RequestId", request_id))
        if faults.kind(exchange.fault) != faults.NO_CORS:
            headers += self.cors.headers(
                origin,
                s3=is_s3,
                preflight=preflight,
                requested_headers=environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
                always_open=control,
                expose_date=faults.kind(exchange.fault) != faults.NO_DATE_CORS,
            )
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {_reason(status)}", headers)
        if faults.kind(exchange.fault) == faults.CUT_BODY:
            return _cut_short(environ, body)
        return [b"" if method == "HEAD" else body]

    # -- control endpoints ------------------------------------------------------------------

    def control(self, method: str, path: str, environ: dict[str, Any]) -> Response:
        if path == "/_keyturn/credentials" and method == "GET":
            return json_response(200, self.state.credentials)
        if path == "/_keyturn/user" and method == "GET":
            return json_response(200, self.state.user)
        if path == "/_keyturn/health" and method == "GET":
            o = self.state.organization
            return json_response(200, {"status": "ok", "keys": self.state.key_count,
                                       "fleet_keys": self.state.fleet_key_count,
                                       "accounts": len(o.members) if o is not None else 1,
                                       "seed": self.state.seed, "bulk": self.state.bulk,
                                       "org_extra": self.state.org_extra,
                                       "bulk_fleet": self.state.bulk_fleet,
                                       "rotation_seconds": self.state.rotation_seconds,
                                       "consistency_seconds": self.state.consistency_seconds,
                                       "quotas": self.state.quotas.enabled,
                                       "quota_scale": self.state.quotas.scale,
                                       "assume_role_seconds": self.state.assume_role_seconds,
                                       "seed_seconds": round(self.state.last_seed_seconds, 3)})
        if path == "/_keyturn/fleet" and method == "GET":
            return json_response(200, self.state.fleet)
        if path == "/_keyturn/reset" and method == "POST":
            raw = _read_body(environ)
            try:
                options = json.loads(raw) if raw.strip() else {}
            except ValueError:
                return json_response(400, {"error": "body must be JSON"})
            if not isinstance(options, dict):
                return json_response(400, {"error": "body must be a JSON object"})
            try:
                chosen = _reset_options(options)
            except ValueError as exc:
                return json_response(400, {"error": str(exc)})
            creds = self.state.reset(**chosen)
            return json_response(200, creds)
        if path == "/_keyturn/requests" and method == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            rows = self.state.requests.list(operation=query.get("operation", [None])[0],
                                            key_id=query.get("key_id", [None])[0])
            return json_response(200, {"requests": rows})
        if path == "/_keyturn/requests" and method == "DELETE":
            self.state.requests.clear()
            return json_response(200, {"requests": []})
        if path == "/_keyturn/faults" and method == "POST":
            try:
                spec = json.loads(_read_body(environ) or b"null")
                self.state.faults.add(spec)
            except ValueError as exc:
                return json_response(400, {"error": str(exc)})
            return json_response(200, {"pending": self.state.faults.pending()})
        if path == "/_keyturn/faults" and method == "GET":
            return json_response(200, {"pending": self.state.faults.pending()})
        if path == "/_keyturn/faults" and method == "DELETE":
            self.state.faults.clear()
            return json_response(200, {"pending": []})
        if path == "/_keyturn/expire" and method == "POST":
            return json_response(200, auth.assume_role(auth.EXPIRED_SESSION_NAME, expired=True))
        known = {"/_keyturn/credentials", "/_keyturn/user", "/_keyturn/health",
                 "/_keyturn/reset", "/_keyturn/expire", "/_keyturn/faults", "/_keyturn/requests",
                 "/_keyturn/fleet"}
        if path in known:
            return json_response(405, {"error": f"{method} not allowed on {path}"})
        return json_response(404, {"error": f"no such endpoint {path}"})

    # -- AWS requests -----------------------------------------------------------------------

    def aws(self, environ: dict[str, Any], method: str, path: str, exchange: Exchange) -> Response:
        """Answer one AWS request (under the lock) and log it if it passed authentication."""
        try:
            answer = self.dispatch(environ, method, path, exchange)
        except Exception:  # noqa: BLE001 - logged with the 500 it gets
            log.error("unhandled error\n%s", traceback.format_exc())
            answer = kms_error(errors.internal("The peer failed; see its log."))
        entry = exchange.log
        if entry is not None:
            status, headers, body = answer
            entry["status"] = status
            entry["fault"] = faults.kind(exchange.fault)
            entry["error"] = _error_code(status, headers, body)
            self.state.requests.add(entry)
        return answer

    def dispatch(self, environ: dict[str, Any], method: str, path: str,
                 exchange: Exchange) -> Response:
        request_id = exchange.request_id
        headers = EnvironHeaders(environ)
        target = headers.get("X-Amz-Target", "")
        if target.startswith("TrentService."):
            return self.kms(environ, headers, method, path, target.split(".", 1)[1], exchange)
        if target.startswith(ORGANIZATIONS_TARGET):
            return self.organizations(environ, headers, method, path,
                                      target[len(ORGANIZATIONS_TARGET):], exchange)
        scope = auth.parse_scope(headers.get("Authorization"))
        if path.startswith("/moto-api/reset"):
            # Moto's own reset would skip the peer's seeding and identities, and reset-auth
            # would turn signature checking off.
            return json_response(403, {"error": "use POST /_keyturn/reset"})
        if not headers.get("Authorization") and not path.startswith("/moto-api/"):
            if method in ("GET", "HEAD"):
                public = s3public.serve(method, path)
                if public is not None:
                    return public
            return kms_error(auth.AuthError("MissingAuthenticationTokenException",
                                            "Missing Authentication Token"))
        if scope is not None:
            s3 = scope.service == "s3"
            try:
                auth.check_expiry(scope.access_key_id)
                if not s3:
                    auth.check_skew(headers, utcnow())
            except auth.AuthError as err:
                if s3:
                    return s3_error("ExpiredToken", err.message, 400, request_id)
                if err.code == "ExpiredTokenException":
                    # STS/IAM: ExpiredToken, 400 (docs/kms.md §2.12 STS GetCallerIdentity).
                    return query_error("ExpiredToken", err.message, 400, request_id)
                # Query services report a stale signature as SignatureDoesNotMatch, 403.
                return query_error("SignatureDoesNotMatch", err.message, 403, request_id)
        is_sts = scope is not None and scope.service == "sts"
        action = ""
        if scope is not None and is_sts:
            raw = _read_body(environ)
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
            params = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            action = params.get("Action", [""])[0]
            try:
                caller = auth.verify_query(method, path, headers, raw, action, scope)
            except auth.AuthError as err:
                code, status = QUERY_AUTH_CODES.get(err.code, (err.code, 403))
                return query_error(code, err.message, status, request_id)  # not logged
            exchange.log = requestlog.entry(action, None, caller.account, scope.region,
                                            request_id, keys.now(), scope.access_key_id)
            if action == "AssumeRole":
                exchange.log["role_arn"] = params.get("RoleArn", [None])[0]
            try:
                self.state.denials.check(caller.arn, caller.account, scope.region,
                                         f"sts:{action}")
            except errors.KmsError as err:
                return query_error("AccessDenied", err.message, 403, request_id)
            exchange.fault = self.state.faults.take(action)
            fault = faults.kind(exchange.fault)
            if fault == faults.HTML_502:
                return faults.html_502()
            if fault == faults.THROTTLE:
                # Query protocol: Throttling, 400 (docs/kms.md §2.12 STS GetCallerIdentity,
                # §4.4 Retry rules in detail).
                return query_error("Throttling", "Rate exceeded", 400, request_id)
            if action == "AssumeRole":
                try:
                    sts.check_assume_role(caller, params)
                except sts.StsError as err:
                    return query_error(err.code, err.message, err.status, request_id)
        fault = faults.kind(exchange.fault)
        status, out_headers, body = self.call_moto(environ)
        if is_sts and status == 403 and _query_code(body) in QUERY_AUTH_FAILURES:
            exchange.log = None  # moto refused the signature: not authenticated
        if is_sts and action == "AssumeRole" and status == 200:
            body = self.issued_session(body, exchange)
        if fault == faults.INTERNAL_AFTER:
            return query_error("InternalFailure", "The request failed after it was carried out",
                               500, request_id)
        json_wanted = "application/json" in headers.get("Accept", "")
        if fault == faults.BAD_BODY:
            return faults.bad_query_body(action, json_wanted)
        if is_sts and status == 200 and json_wanted:
            ids = [h for h in out_headers if h[0].lower() == "x-amzn-requestid"]
            return status, [("Content-Type", "application/json"), *ids], _xml_to_json(body)
        return status, out_headers, body

    def issued_session(self, body: bytes, exchange: Exchange) -> bytes:
        """The session moto just issued for an AssumeRole: with `assume_role_seconds` set it
        expires that many seconds from now if that is sooner than asked (the session in moto's
        STS backend, which check_expiry reads, and the answer's `Expiration` alike). Logged as
        the entry's `issued`."""
        found = _ACCESS_KEY_ID.search(body)
        session = auth.session_of(found.group(1).decode()) if found else None
        if session is None:
            return body
        limit = self.state.assume_role_seconds
        if limit is not None:
            shorter = utcnow() + dt.timedelta(seconds=limit)
            if shorter < session.expiration:
                session.expiration = shorter
                stamp = shorter.strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode()
                body = _EXPIRATION.sub(b"<Expiration>" + stamp + b"</Expiration>", body, count=1)
        if exchange.log is not None:
            exchange.log["issued"] = {
                "access_key_id": session.access_key_id,
                "expiration": session.expiration.replace(tzinfo=dt.timezone.utc).timestamp(),
            }
        return body

    def authenticate(self, headers: EnvironHeaders, method: str, path: str, body: bytes,
                     op: str, service: str, regions: Iterable[str]) -> tuple[auth.Caller,
                                                                              auth.Scope]:
        """A JSON-protocol request's signature, and its credential scope's service and Region."""
        caller, scope = auth.authenticate_json(method, path, headers, body, op)
        if scope.service != service:
            raise auth.AuthError("InvalidSignatureException",
                                 f"Credential should be scoped to correct service: '{service}'. ")
        if scope.region not in regions:
            raise auth.AuthError("InvalidSignatureException",
                                 f"Credential should be scoped to a valid region, not "
                                 f"'{scope.region}'. ")
        return caller, scope

    def kms(self, environ: dict[str, Any], headers: EnvironHeaders, method: str, path: str,
            op: str, exchange: Exchange) -> Response:
        body = _read_body(environ)
        try:
            caller, scope = self.authenticate(headers, method, path, body, op, "kms",
                                              _kms_regions())
        except auth.AuthError as err:
            return kms_error(err)  # not authenticated: not logged
        exchange.log = requestlog.entry(op, None, caller.account, scope.region,
                                        exchange.request_id, keys.now(),
                                        scope.access_key_id)
        try:
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError:
                raise errors.serialization("Request body is not valid JSON") from None
            if not isinstance(params, dict):
                raise errors.serialization("Request body must be a JSON object")
            key_id = params.get("KeyId")
            exchange.log["key_id"] = key_id if isinstance(key_id, str) else None
            # An SCP's explicit deny comes first: such a request uses up no quota and no fault.
            self.state.denials.check(caller.arn, caller.account, scope.region, f"kms:{op}")
            # Quotas next: a request refused for its rate uses up no fault (docs/kms.md §4.1
            # The quotas; docs/peer.md "Request quotas").
            if not self.state.quotas.allow(caller.account, scope.region, op):
                raise faults.throttled()
            exchange.fault = self.state.faults.take(op, key_id if isinstance(key_id, str) else None)
            fault = faults.kind(exchange.fault)
            if fault == faults.THROTTLE:
                raise faults.throttled()
            if fault == faults.HTML_502:
                return faults.html_502()
            handler = kms.HANDLERS.get(op)
            if handler is None:
                environ["keyturn.request_id"] = exchange.request_id
                answer = self.kms_via_moto(environ, caller, op, scope.region, params, body)
            else:
                ctx = kms.Ctx(region=scope.region, caller=caller, now=keys.now(), state=self.state)
                answer = _json_answer(handler(ctx, params))
            if fault == faults.INTERNAL_AFTER:
                raise faults.internal_after(op)
        except (errors.KmsError, auth.AuthError) as err:
            answer = kms_error(err)
        if faults.kind(exchange.fault) == faults.BAD_BODY:
            # Whatever the outcome, the client gets 200 and a body cut short.
            return faults.bad_kms_body(JSON_TYPE)
        return answer

    def organizations(self, environ: dict[str, Any], headers: EnvironHeaders, method: str,
                      path: str, op: str, exchange: Exchange) -> Response:
        """Organizations (JSON 1.1, signed for `organizations` in us-east-1), authenticated like
        KMS. Only ListAccounts is modelled; other operations are unknown to this endpoint."""
        body = _read_body(environ)
        try:
            caller, scope = self.authenticate(headers, method, path, body, op, "organizations",
                                              (ORGANIZATIONS_REGION,))
        except auth.AuthError as err:
            return kms_error(err)  # not authenticated: not logged
        exchange.log = requestlog.entry(op, None, caller.account, scope.region,
                                        exchange.request_id, keys.now(),
                                        scope.access_key_id)
        try:
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError:
                raise errors.serialization("Request body is not valid JSON") from None
            if not isinstance(params, dict):
                raise errors.serialization("Request body must be a JSON object")
            self.state.denials.check(caller.arn, caller.account, scope.region,
                                     f"organizations:{op}")
            # Organizations publishes no request rates, so quotas do not limit it (quotas.py);
            # the bucket is still the caller's account's if a rate is ever set.
            if not self.state.quotas.allow(caller.account, scope.region, op):
                raise org.throttled()
            exchange.fault = self.state.faults.take(op)
            fault = faults.kind(exchange.fault)
            if fault == faults.THROTTLE:
                raise org.throttled()
            if fault == faults.HTML_502:
                return faults.html_502()
            if op != "ListAccounts":
                raise auth.AuthError("UnknownOperationException",
                                     "The action or operation requested is invalid. Verify that "
                                     "the action is typed correctly.")
            permitted = caller.permits(f"organizations:{op}", "*") == \
                auth.PermissionResult.PERMITTED
            answer = _json_answer(org.list_accounts(self.state.organization, caller.account,
                                                    permitted, params))
            if fault == faults.INTERNAL_AFTER:
                raise org.internal(op)
        except (errors.KmsError, auth.AuthError) as err:
            answer = kms_error(err)
        if faults.kind(exchange.fault) == faults.BAD_BODY:
            return faults.bad_kms_body(JSON_TYPE)
        return answer

    def kms_via_moto(self, environ: dict[str, Any], caller: auth.Caller, op: str, region: str,
                     params: dict[str, Any], body: bytes) -> Response:
        caller.authorize(f"kms:{op}", "*")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        status, headers, raw = self.call_moto(environ)
        ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
        try:
            data = json.loads(raw) if raw.strip() else None
        except ValueError:
            data = ValueError
        if data is ValueError or (status >= 500 and "json" not in ctype):
            # Never an HTML page from a KMS endpoint (docs/peer.md "Key metadata and key IDs").
            return kms_error(errors.internal(f"moto answered {op} with HTTP {status}"))
        if status >= 400:
            code = str((data or {}).get("__type", "KMSInternalException"))
            message = str((data or {}).get("message", (data or {}).get("Message", "")))
            return kms_error(errors.KmsError(code, message, 500 if status >= 500 else 400))
        # Moto served it in the account its own access-key lookup found: the caller's.
        data = kms.after_moto(op, caller.account, region, params, data,
                              environ.get("keyturn.request_id", ""), keys.now())
        # Void operations: moto says `null`; answer as the front's own handlers do.
        return _json_answer(data)

    def call_moto(self, environ: dict[str, Any]) -> Response:
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return lambda data: None

        chunks = self.moto_app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], body


@functools.lru_cache(maxsize=1)
def _kms_regions() -> frozenset[str]:
    """The Regions moto's KMS knows (the same for every account)."""
    return frozenset(kms_backends[org.MANAGEMENT].regions)


def _json_answer(result: Any) -> Response:
    # Operations without output answer with an empty body: docs/kms.md §1.3 Responses and data
    # types allows an empty body or `{}` (unconfirmed which); the empty one is the stricter test
    # of a client.
    out = b"" if result is None else json.dumps(result).encode()
    return 200, [("Content-Type", JSON_TYPE)], out


def _xml_to_json(body: bytes) -> bytes:
    """STS answers `Accept: application/json` with the XML document's nesting as JSON, e.g.
    {"GetCallerIdentityResponse": {"GetCallerIdentityResult": {...}, "ResponseMetadata": {...}}}
    (docs/kms.md §2.12 STS GetCallerIdentity); moto only speaks XML."""

    def convert(element: ElementTree.Element) -> Any:
        children = list(element)
        if not children:
            return element.text or ""
        return {child.tag.split("}", 1)[-1]: convert(child) for child in children}

    root = ElementTree.fromstring(body)
    return json.dumps({root.tag.split("}", 1)[-1]: convert(root)}).encode()


def _query_code(body: bytes) -> str | None:
    match = _QUERY_CODE.search(body)
    return match.group(1).decode("utf-8", "replace") if match else None


def _error_code(status: int, headers: list[tuple[str, str]], body: bytes) -> str | None:
    """The error code of an answer, for the request log: `x-amzn-ErrorType` (KMS, up to its
    `:`), else the Query/S3 `<Code>`; None for successes and for bodies without a code."""
    if status < 400:
        return None
    for name, value in headers:
        if name.lower() == "x-amzn-errortype":
            return value.split(":", 1)[0]
    return _query_code(body)


def _drop_connection(environ: dict[str, Any]) -> None:
    """The `drop-after` fault: shut the client's connection down before any byte of the answer,
    so the client sees the connection closed without a response. Werkzeug's server puts the
    socket in the environ; its writes then fail and it treats that as a dropped connection."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        log.warning("drop-after: this server gives no socket; answering normally")
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _cut_short(environ: dict[str, Any], body: bytes) -> Iterable[bytes]:
    """The `cut-body` fault: the status and headers (with the full Content-Length) and half the
    body go out, then the connection is shut down."""
    yield body[: len(body) // 2]
    _drop_connection(environ)


def _reset_options(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of PeerState.reset from a `POST /_keyturn/reset` body; ValueError
    says which field is wrong. Fields left out stay None (the start-up values)."""
    seed_name = options.get("seed")
    bulk = options.get("bulk")
    quotas = options.get("quotas")
    if seed_name not in (None, "demo", "none"):
        raise ValueError("seed must be demo or none")
    for name in ("bulk", "org_extra", "bulk_fleet"):
        value = options.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise ValueError(f"{name} must be a non-negative integer")
    if (options.get("org_extra") or 0) > org.MAX_EXTRA:
        raise ValueError(f"org_extra must be at most {org.MAX_EXTRA} (an organisation holds "
                         f"{org.MAX_ACCOUNTS} accounts at most)")
    for name in ("rotation_seconds", "consistency_seconds"):
        value = options.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or value < 0):
            raise ValueError(f"{name} must be a number >= 0")
    if quotas is not None and not isinstance(quotas, bool):
        raise ValueError("quotas must be true or false")
    scale = options.get("quota_scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float))
                              or not scale > 0):
        raise ValueError("quota_scale must be a number > 0")
    assume = options.get("assume_role_seconds")
    if assume is not None and (isinstance(assume, bool) or not isinstance(assume, (int, float))
                               or assume < 0):
        raise ValueError("assume_role_seconds must be a number > 0 (0: as requested)")
    return {"seed_name": seed_name, "bulk": bulk,
            "rotation_seconds": options.get("rotation_seconds"),
            "consistency_seconds": options.get("consistency_seconds"),
            "quotas": quotas, "quota_scale": scale,
            "org_extra": options.get("org_extra"), "bulk_fleet": options.get("bulk_fleet"),
            "assume_role_seconds": assume}


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    return stream.read(length)
