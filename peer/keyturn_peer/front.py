"""The WSGI front around moto's server app.

Per request: CORS preflights are answered here; `/_keyturn/*` are the peer's control endpoints;
KMS JSON requests (`X-Amz-Target: TrentService.*`) are authenticated here and either answered
by kms.HANDLERS or passed to moto; STS, IAM and S3 go to moto after the expiry and clock checks.
Every response gets the CORS headers and an `x-amzn-RequestId`, errors and 5xx included.
"""

from __future__ import annotations

import io
from http import HTTPStatus
import json
import logging
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

from . import auth, errors, faults, keys, kms, s3public
from .cors import CorsPolicy
from .state import PeerState

log = logging.getLogger("keyturn_peer")

JSON_TYPE = "application/x-amz-json-1.1"  # kms-api.md §1.1 line 62
Response = tuple[int, list[tuple[str, str]], bytes]



def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def json_response(status: int, data: Any, content_type: str = "application/json") -> Response:
    body = json.dumps(data).encode()
    return status, [("Content-Type", content_type)], body


# Authentication errors come from the AWS front end, not from KMS, and carry its namespace
# (kms-api.md §1.3, lines 105 and 111: `com.amazon.coral.service#ExpiredTokenException`); the
# header form has a `:` suffix, which clients cut (line 110). Clients must sanitise both.
CORAL_NAMESPACE = "com.amazon.coral.service"


def kms_error(err: errors.KmsError | auth.AuthError) -> Response:
    # JSON error body plus the `x-amzn-ErrorType` header (kms-api.md §1.3 lines 104, 112).
    if isinstance(err, auth.AuthError):
        code = f"{CORAL_NAMESPACE}#{err.code}"
        header = f"{err.code}:http://internal.amazon.com/coral/{CORAL_NAMESPACE}/"
    else:
        code = header = err.code
    body = json.dumps({"__type": code, "message": err.message}).encode()
    return err.status, [("Content-Type", JSON_TYPE), ("x-amzn-ErrorType", header)], body


def query_error(code: str, message: str, status: int, request_id: str) -> Response:
    # STS/IAM (Query protocol) error shape (kms-api.md §2 STS, line 382).
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
        try:
            if preflight:
                # Real KMS and STS answer the preflight themselves with 200 (kms-api.md §5).
                status, headers, body = 200, [("Content-Length", "0")], b""
            elif control:
                with self.lock:
                    status, headers, body = self.control(method, path, environ)
            else:
                with self.lock:
                    status, headers, body = self.dispatch(environ, method, path, request_id)
                if self.latency_s:
                    time.sleep(self.latency_s)
        except Exception:  # noqa: BLE001 - the peer must answer, never drop the connection
            log.error("unhandled error\n%s", traceback.format_exc())
            err = errors.internal("The peer failed; see its log.")
            status, headers, body = kms_error(err)
        # The front owns CORS, and the server adds Server/Date; a HEAD keeps moto's length.
        dropped = {"server", "date"} if method == "HEAD" else {"server", "date", "content-length"}
        headers = [(k, v) for k, v in headers
                   if not k.lower().startswith("access-control-") and k.lower() not in dropped]
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers.append(("x-amzn-RequestId", request_id))  # on everything (line 135)
        headers += self.cors.headers(
            origin,
            s3=is_s3,
            preflight=preflight,
            requested_headers=environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
            always_open=control,
        )
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {_reason(status)}", headers)
        return [b"" if method == "HEAD" else body]

    # -- control endpoints ------------------------------------------------------------------

    def control(self, method: str, path: str, environ: dict[str, Any]) -> Response:
        if path == "/_keyturn/credentials" and method == "GET":
            return json_response(200, self.state.credentials)
        if path == "/_keyturn/user" and method == "GET":
            return json_response(200, self.state.user)
        if path == "/_keyturn/health" and method == "GET":
            return json_response(200, {"status": "ok", "keys": self.state.key_count,
                                       "seed": self.state.seed, "bulk": self.state.bulk,
                                       "rotation_seconds": self.state.rotation_seconds,
                                       "seed_seconds": round(self.state.last_seed_seconds, 3)})
        if path == "/_keyturn/reset" and method == "POST":
            raw = _read_body(environ)
            try:
                options = json.loads(raw) if raw.strip() else {}
            except ValueError:
                return json_response(400, {"error": "body must be JSON"})
            if not isinstance(options, dict):
                return json_response(400, {"error": "body must be a JSON object"})
            seed_name = options.get("seed")
            bulk = options.get("bulk")
            seconds = options.get("rotation_seconds")
            if seed_name not in (None, "demo", "none"):
                return json_response(400, {"error": "seed must be demo or none"})
            if bulk is not None and (isinstance(bulk, bool) or not isinstance(bulk, int) or bulk < 0):
                return json_response(400, {"error": "bulk must be a non-negative integer"})
            if seconds is not None and (isinstance(seconds, bool)
                                        or not isinstance(seconds, (int, float)) or seconds < 0):
                return json_response(400, {"error": "rotation_seconds must be a number >= 0"})
            creds = self.state.reset(seed_name, bulk, seconds)
            return json_response(200, creds)
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
                 "/_keyturn/reset", "/_keyturn/expire", "/_keyturn/faults"}
        if path in known:
            return json_response(405, {"error": f"{method} not allowed on {path}"})
        return json_response(404, {"error": f"no such endpoint {path}"})

    # -- AWS requests -----------------------------------------------------------------------

    def dispatch(self, environ: dict[str, Any], method: str, path: str, request_id: str) -> Response:
        headers = EnvironHeaders(environ)
        target = headers.get("X-Amz-Target", "")
        if target.startswith("TrentService."):
            return self.kms(environ, headers, method, path, target.split(".", 1)[1])
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
                    # STS/IAM: ExpiredToken, 400 (kms-api.md §2 STS errors, line 383).
                    return query_error("ExpiredToken", err.message, 400, request_id)
                # Query services report a stale signature as SignatureDoesNotMatch, 403.
                return query_error("SignatureDoesNotMatch", err.message, 403, request_id)
        if scope is not None and scope.service == "sts":
            raw = _read_body(environ)
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
            action = parse_qs(raw.decode("utf-8", "replace")).get("Action", [""])[0]
            fault = self.state.faults.take(action)
            if fault == faults.HTML_502:
                return faults.html_502()
            if fault == faults.THROTTLE:
                # Query protocol: Throttling, 400 (kms-api.md §4.3 line 505 lists the code).
                return query_error("Throttling", "Rate exceeded", 400, request_id)
        else:
            fault = None
        status, out_headers, body = self.call_moto(environ)
        if fault == faults.INTERNAL_AFTER:
            return query_error("InternalFailure", "The request failed after it was carried out",
                               500, request_id)
        if (scope is not None and scope.service == "sts" and status == 200
                and "application/json" in headers.get("Accept", "")):
            ids = [h for h in out_headers if h[0].lower() == "x-amzn-requestid"]
            return status, [("Content-Type", "application/json"), *ids], _xml_to_json(body)
        return status, out_headers, body

    def kms(self, environ: dict[str, Any], headers: EnvironHeaders, method: str, path: str,
            op: str) -> Response:
        body = _read_body(environ)
        try:
            caller, scope = auth.authenticate_kms(method, path, headers, body, op)
            if scope.service != "kms":
                raise auth.AuthError("InvalidSignatureException",
                                     "Credential should be scoped to correct service: 'kms'. ")
            if scope.region not in kms_backends[keys.ACCOUNT_ID].regions:
                raise auth.AuthError("InvalidSignatureException",
                                     f"Credential should be scoped to a valid region, not "
                                     f"'{scope.region}'. ")
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError:
                raise errors.serialization("Request body is not valid JSON") from None
            if not isinstance(params, dict):
                raise errors.serialization("Request body must be a JSON object")
            key_id = params.get("KeyId")
            fault = self.state.faults.take(op, key_id if isinstance(key_id, str) else None)
            if fault == faults.THROTTLE:
                raise faults.throttled()
            if fault == faults.HTML_502:
                return faults.html_502()
            handler = kms.HANDLERS.get(op)
            if handler is None:
                answer = self.kms_via_moto(environ, caller, op, scope.region, params, body)
            else:
                ctx = kms.Ctx(region=scope.region, caller=caller, now=keys.now(), state=self.state)
                answer = _json_answer(handler(ctx, params))
            if fault == faults.INTERNAL_AFTER:
                raise faults.internal_after(op)
            return answer
        except (errors.KmsError, auth.AuthError) as err:
            return kms_error(err)

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
            # Never an HTML page from a KMS endpoint (peer-notes item 6).
            return kms_error(errors.internal(f"moto answered {op} with HTTP {status}"))
        if status >= 400:
            code = str((data or {}).get("__type", "KMSInternalException"))
            message = str((data or {}).get("message", (data or {}).get("Message", "")))
            return kms_error(errors.KmsError(code, message, 500 if status >= 500 else 400))
        data = kms.after_moto(op, region, params, data)
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


def _json_answer(result: Any) -> Response:
    # Operations without output answer with an empty body: kms-api.md §1.1 line 62 allows
    # an empty body or `{}` (unconfirmed which); the empty one is the stricter test of a client.
    out = b"" if result is None else json.dumps(result).encode()
    return 200, [("Content-Type", JSON_TYPE)], out


def _xml_to_json(body: bytes) -> bytes:
    """STS answers `Accept: application/json` with the XML document's nesting as JSON, e.g.
    {"GetCallerIdentityResponse": {"GetCallerIdentityResult": {...}, "ResponseMetadata": {...}}}
    (kms-api.md §2 STS, line 373); moto only speaks XML."""

    def convert(element: ElementTree.Element) -> Any:
        children = list(element)
        if not children:
            return element.text or ""
        return {child.tag.split("}", 1)[-1]: convert(child) for child in children}

    root = ElementTree.fromstring(body)
    return json.dumps({root.tag.split("}", 1)[-1]: convert(root)}).encode()


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    return stream.read(length)
