"""Identities, signature checking and authorisation (docs/peer.md "Signature checking").

Moto verifies SigV4 itself (`moto.iam.access_control.IAMRequest`) but answers in XML with 403 and
checks neither token expiry nor clock skew, and evaluates IAM policies against resource "*" only
(docs/peer.md "Where moto is not KMS"). For KMS and Organizations the front calls the same moto
classes in-process and renders the JSON errors JSON services send (docs/kms.md §1.7 Common
errors; docs/peer.md "Authentication and the JSON errors"); for STS it checks the signature the
same way before its own AssumeRole checks (sts.py); expiry and skew are checked here for every
service.

The account of a request is the account of its caller's access key. Moto registers every access
key in the IAM backend of the account that owns it, a session's temporary key in the account of
the role it assumed (moto.sts.models.STSBackend._create_access_key), and keeps the session itself
in that account's STS backend; `account_of` and `session_of` look there, for any account.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import InvalidClientTokenIdError, SignatureDoesNotMatchError
from moto.core.utils import utcnow
from moto.iam.access_control import (
    AssumedRoleAccessKey,
    IAMPolicy,
    IAMRequest,
    PermissionResult,
)
from moto.iam.models import get_account_id_from, iam_backends
from moto.sts.models import AssumedRole, sts_backends

from . import errors
from .org import ACCESS_ROLE, AUDIT_ROLE, MANAGEMENT, RoleSpec, trust_policy

PARTITION = "aws"
USER_NAME = "keyturn-operator"
ROLE_NAME = "keyturn-console"
SESSION_NAME = "keyturn-demo"
EXPIRED_SESSION_NAME = "keyturn-expired"
# 12 hours: a demo should not run out of credentials half way (STS maximum for a role session).
SESSION_SECONDS = 43200
# SigV4 acceptance window: assume 5 minutes (docs/kms.md §4.5 Clock skew, §1.7 Common errors).
SKEW_SECONDS = 300
# Operations on a key the demo role may not read (the Deny in the role policy below).
DENIED_ACTIONS = ["kms:GetKeyRotationStatus", "kms:ListKeyRotations"]

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$"
)


@dataclass
class Scope:
    access_key_id: str
    region: str
    service: str


def parse_scope(authorization: str | None) -> Scope | None:
    if not authorization:
        return None
    match = _AUTH.match(authorization.strip())
    if match is None:
        return None
    return Scope(access_key_id=match.group(1), region=match.group(3), service=match.group(4))


# ---------------------------------------------------------------------------------------------
# Identities: an IAM user with an access key, a role it may assume, and a session of that role.


def _iam(account: str) -> Any:
    return iam_backends[account][PARTITION]


def _sts(account: str) -> Any:
    return sts_backends[account][PARTITION]


def role_arn() -> str:
    return f"arn:aws:iam::{MANAGEMENT}:role/{ROLE_NAME}"


# Roles in other accounts the management account's principals may ask to assume (their trust
# policies decide the rest: sts.py).
CROSS_ACCOUNT_ROLES = [f"arn:aws:iam::*:role/{ACCESS_ROLE}", f"arn:aws:iam::*:role/{AUDIT_ROLE}"]


def create_identities(denied_key_arns: list[str], organization: bool) -> dict[str, Any]:
    """Create the management account's user, its key and policy, and the role; returns the user's
    long-term keys. In an organisation both may also assume the member accounts' roles, and the
    role may list the organisation's accounts."""
    iam = _iam(MANAGEMENT)
    user = iam.create_user(region_name="us-east-1", user_name=USER_NAME)
    access_key = iam.create_access_key(USER_NAME)
    assumable = [role_arn(), *(CROSS_ACCOUNT_ROLES if organization else [])]
    iam.put_user_policy(USER_NAME, "keyturn-operator", json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": assumable},
            {"Effect": "Allow", "Action": ["kms:*", "s3:*", "sts:GetCallerIdentity"],
             "Resource": "*"},
        ],
    }))
    iam.create_role(
        role_name=ROLE_NAME,
        assume_role_policy_document=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": user.arn},
                           "Action": "sts:AssumeRole"}],
        }),
        path="/",
        permissions_boundary=None,
        description="keyturn console demo role",
        tags=[],
        max_session_duration=str(SESSION_SECONDS),
    )
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": ["kms:*", "sts:GetCallerIdentity"], "Resource": "*"},
    ]
    if organization:
        statements.append({"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Resource": CROSS_ACCOUNT_ROLES})
        statements.append({"Effect": "Allow", "Action": "organizations:ListAccounts",
                           "Resource": "*"})
    if denied_key_arns:
        # One key whose rotation information this role may not read: an explicit IAM Deny.
        statements.append({"Effect": "Deny", "Action": DENIED_ACTIONS,
                           "Resource": denied_key_arns})
    iam.put_role_policy(ROLE_NAME, "keyturn-console",
                        json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return {
        "UserName": USER_NAME,
        "Arn": user.arn,
        "AccessKeyId": access_key.access_key_id,
        "SecretAccessKey": access_key.secret_access_key,
    }


def _iso(when: dt.datetime) -> str:
    # STS sends `2026-11-25T19:01:10Z` and the AWS CLI v1 prints it as received.
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def create_role(spec: RoleSpec) -> None:
    """A role in a member account: its trust policy (who may assume it, with the external ID
    condition if it has one), its maximum session duration and an identity policy."""
    iam = _iam(spec.account)
    iam.create_role(
        role_name=spec.name,
        assume_role_policy_document=json.dumps(trust_policy(spec.trusted, spec.external_id)),
        path="/",
        permissions_boundary=None,
        description=spec.description,
        tags=[],
        max_session_duration=str(spec.max_session_seconds),
    )
    iam.put_role_policy(spec.name, spec.name, json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": spec.allow, "Resource": "*"}],
    }))


def assume_role(session_name: str = SESSION_NAME, expired: bool = False) -> dict[str, Any]:
    """AssumeRole session credentials in the `aws sts assume-role` output shape."""
    role = _sts(MANAGEMENT).assume_role(
        region_name="us-east-1",
        role_session_name=session_name,
        role_arn=role_arn(),
        policy=None,
        duration=SESSION_SECONDS,
        external_id=None,
    )
    if expired:
        # Moto never checks expiry; the front does (check_expiry), so this session is refused.
        role.expiration = utcnow() - dt.timedelta(minutes=5)
    return {
        "Credentials": {
            "AccessKeyId": role.access_key_id,
            "SecretAccessKey": role.secret_access_key,
            "SessionToken": role.session_token,
            "Expiration": _iso(role.expiration),
        },
        "AssumedRoleUser": {"AssumedRoleId": role.user_id, "Arn": role.arn},
    }


# ---------------------------------------------------------------------------------------------
# Request checks.


class AuthError(Exception):
    """An authentication failure, rendered per protocol by the front."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def account_of(access_key_id: str) -> str:
    """The account an access key (long-term or session) belongs to: the account whose IAM backend
    holds it. An unknown key gets moto's default account; it fails authentication anyway."""
    return get_account_id_from(access_key_id)


def session_of(access_key_id: str) -> AssumedRole | None:
    """The role session an access key belongs to (in its account's STS backend), if any."""
    return _sts(account_of(access_key_id)).get_assumed_role_from_access_key(access_key_id)


def _amz_time(stamp: dt.datetime) -> str:
    return stamp.strftime("%Y%m%dT%H%M%SZ")


def check_expiry(access_key_id: str) -> None:
    """Refuse expired session credentials (moto does not: docs/peer.md "Where moto is not KMS")."""
    session = session_of(access_key_id)
    if session is not None and session.expiration <= utcnow():
        raise AuthError("ExpiredTokenException",
                        "The security token included in the request is expired")


def check_skew(headers: Any, now: dt.datetime) -> None:
    """`Signature expired` / `not yet current` outside the ±5 minute window (docs/kms.md §4.5
    Clock skew)."""
    stamp = headers.get("X-Amz-Date")
    if not stamp:
        raise AuthError("IncompleteSignatureException",
                        "Authorization header requires existence of either a 'X-Amz-Date' or a "
                        "'Date' header.")
    try:
        signed = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise AuthError("IncompleteSignatureException", f"Invalid X-Amz-Date {stamp}") from None
    window = dt.timedelta(seconds=SKEW_SECONDS)
    if signed < now - window:
        raise AuthError("InvalidSignatureException",
                        f"Signature expired: {stamp} is now earlier than "
                        f"{_amz_time(now - window)} ({_amz_time(now)} - 5 min.)")
    if signed > now + window:
        raise AuthError("InvalidSignatureException",
                        f"Signature not yet current: {stamp} is still later than "
                        f"{_amz_time(now + window)} ({_amz_time(now)} + 5 min.)")


@dataclass
class Caller:
    arn: str
    access_key: Any  # moto's IAMUserAccessKey / AssumedRoleAccessKey
    # The caller's account: the one its access key belongs to (account_of). KMS keys, quotas
    # (docs/kms.md §4.1 The quotas: per account), the SCP deny list and the request log use it.
    account: str
    # The role session, for credentials AssumeRole issued; None for an IAM user's keys.
    session: AssumedRole | None = None

    @property
    def principal_arns(self) -> list[str]:
        """The ARNs a trust policy may name to mean this caller: the user, or the session and
        the role it is a session of."""
        if self.session is not None:
            return [self.arn, self.session.role_arn]
        return [self.arn]

    def permits(self, action: str, resource: str) -> PermissionResult:
        """The caller's identity policies for one action on one resource ARN: DENIED (an explicit
        deny), PERMITTED, or NEUTRAL (nothing allows it). Moto checks against "*" only, so a Deny
        on one key ARN would never apply."""
        permitted = False
        for policy in self.access_key.collect_policies():
            result = IAMPolicy(policy).is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return result
            if result == PermissionResult.PERMITTED:
                permitted = True
        return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL

    def authorize(self, action: str, resource: str) -> None:
        """KMS's AccessDeniedException unless the caller's identity policies allow the action."""
        result = self.permits(action, resource)
        if result == PermissionResult.DENIED:
            raise errors.KmsError(
                "AccessDeniedException",
                f"User: {self.arn} is not authorized to perform: {action} on resource: "
                f"{resource} with an explicit deny in an identity-based policy",
            )
        if result != PermissionResult.PERMITTED:
            raise errors.KmsError(
                "AccessDeniedException",
                f"User: {self.arn} is not authorized to perform: {action} on resource: "
                f"{resource} because no identity-based policy allows the {action} action",
            )


INVALID_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult the "
                      "service documentation for details.")


def _request(method: str, path: str, headers: Any, body: bytes, action: str,
             access_key_id: str) -> IAMRequest:
    """Moto's request check, resolving the access key in the account that owns it (a session of
    a member account's role resolves in that account, not in the management account)."""
    try:
        return IAMRequest(account_id=account_of(access_key_id), method=method, path=path,
                          data={}, body=body, headers=headers, action=action)
    except InvalidClientTokenIdError:
        raise AuthError("UnrecognizedClientException", INVALID_TOKEN) from None


def _check_signature(request: IAMRequest) -> Caller:
    try:
        request.check_signature()
    except SignatureDoesNotMatchError:
        raise AuthError("InvalidSignatureException", SIGNATURE_MISMATCH) from None
    except (KeyError, ValueError) as exc:
        raise AuthError("IncompleteSignatureException", f"Malformed signature: {exc}") from None
    access_key = request._access_key  # moto keeps the resolved principal here
    session = session_of(access_key._access_key_id) if isinstance(
        access_key, AssumedRoleAccessKey) else None
    return Caller(arn=access_key.arn, access_key=access_key, account=access_key.account_id,
                  session=session)


def authenticate_json(method: str, path: str, headers: Any, body: bytes,
                      action: str) -> tuple[Caller, Scope]:
    """Check a JSON-protocol request's signature (KMS, Organizations); errors are the
    JSON-protocol ones (docs/kms.md §1.7 Common errors): UnrecognizedClientException for an
    unknown key or token, InvalidSignatureException for a wrong signature or one outside the
    time window, ExpiredTokenException for an expired token."""
    authorization = headers.get("Authorization")
    if not authorization:
        raise AuthError("MissingAuthenticationTokenException", "Missing Authentication Token")
    scope = parse_scope(authorization)
    if scope is None:
        raise AuthError("IncompleteSignatureException",
                        f"Authorization header is not a valid SigV4 header: {authorization[:60]}")
    request = _request(method, path, headers, body, action, scope.access_key_id)
    check_expiry(scope.access_key_id)
    check_skew(headers, utcnow())
    return _check_signature(request), scope


def verify_query(method: str, path: str, headers: Any, body: bytes, action: str,
                 scope: Scope) -> Caller:
    """Check an STS request's key and signature as moto would (the front has checked expiry and
    clock skew already), so the front's own AssumeRole checks (sts.py) only ever see an
    authenticated caller. Raises AuthError with the JSON codes; the front renders the Query
    ones (InvalidClientTokenId, SignatureDoesNotMatch)."""
    return _check_signature(_request(method, path, headers, body, action, scope.access_key_id))
