"""Identities, signature checking and authorisation (kms-peer-notes "Signature enforcement").

Moto verifies SigV4 itself (`moto.iam.access_control.IAMRequest`) but answers in XML with 403 and
checks neither token expiry nor clock skew, and evaluates IAM policies against resource "*" only
(peer-notes item 7). For KMS the front calls the same moto classes in-process and renders the
JSON errors JSON services send (kms-api.md §1.3 lines 118-134); expiry and skew are checked here
for every service.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import InvalidClientTokenIdError, SignatureDoesNotMatchError
from moto.core.utils import utcnow
from moto.iam.access_control import IAMPolicy, IAMRequest, PermissionResult
from moto.iam.models import get_account_id_from, iam_backends
from moto.sts.models import sts_backends

from . import errors
from .keys import ACCOUNT_ID

PARTITION = "aws"
USER_NAME = "keyturn-operator"
ROLE_NAME = "keyturn-console"
SESSION_NAME = "keyturn-demo"
EXPIRED_SESSION_NAME = "keyturn-expired"
# 12 hours: a demo should not run out of credentials half way (STS maximum for a role session).
SESSION_SECONDS = 43200
# SigV4 acceptance window: assume 5 minutes (kms-api.md §4.3, line 519; §1.3 line 134).
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


def _iam() -> Any:
    return iam_backends[ACCOUNT_ID][PARTITION]


def _sts() -> Any:
    return sts_backends[ACCOUNT_ID][PARTITION]


def role_arn() -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{ROLE_NAME}"


def create_identities(denied_key_arns: list[str]) -> dict[str, Any]:
    """Create the user, its key and policy, and the role; returns the user's long-term keys."""
    iam = _iam()
    user = iam.create_user(region_name="us-east-1", user_name=USER_NAME)
    access_key = iam.create_access_key(USER_NAME)
    iam.put_user_policy(USER_NAME, "keyturn-operator", json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn()},
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


def assume_role(session_name: str = SESSION_NAME, expired: bool = False) -> dict[str, Any]:
    """AssumeRole session credentials in the `aws sts assume-role` output shape."""
    role = _sts().assume_role(
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
    """The account an access key (long-term or session) belongs to; moto falls back to the
    default account, which is the peer's only one."""
    session = _sts().get_assumed_role_from_access_key(access_key_id)
    if session is not None:
        return session.account_id
    return get_account_id_from(access_key_id)


def _amz_time(stamp: dt.datetime) -> str:
    return stamp.strftime("%Y%m%dT%H%M%SZ")


def check_expiry(access_key_id: str) -> None:
    """Refuse expired session credentials (moto does not: peer-notes item 7)."""
    session = _sts().get_assumed_role_from_access_key(access_key_id)
    if session is not None and session.expiration <= utcnow():
        raise AuthError("ExpiredTokenException",
                        "The security token included in the request is expired")


def check_skew(headers: Any, now: dt.datetime) -> None:
    """`Signature expired` / `not yet current` outside the ±5 minute window (line 519)."""
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

    @property
    def account(self) -> str:
        """The caller's account, from its ARN (`arn:aws:sts::ACCOUNT:assumed-role/...`,
        `arn:aws:iam::ACCOUNT:user/...`): quotas are per account (kms-api.md §4.1 line 458)."""
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 4 and parts[4] else ACCOUNT_ID

    def authorize(self, action: str, resource: str) -> None:
        """Evaluate the caller's identity policies for one action on one resource ARN.
        Moto checks against "*" only, so a Deny on one key ARN would never apply."""
        permitted = False
        for policy in self.access_key.collect_policies():
            result = IAMPolicy(policy).is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                raise errors.KmsError(
                    "AccessDeniedException",
                    f"User: {self.arn} is not authorized to perform: {action} on resource: "
                    f"{resource} with an explicit deny in an identity-based policy",
                )
            if result == PermissionResult.PERMITTED:
                permitted = True
        if not permitted:
            raise errors.KmsError(
                "AccessDeniedException",
                f"User: {self.arn} is not authorized to perform: {action} on resource: "
                f"{resource} because no identity-based policy allows the {action} action",
            )


def authenticate_kms(method: str, path: str, headers: Any, body: bytes,
                     action: str) -> tuple[Caller, Scope]:
    """Check a KMS request's signature; errors are the JSON-protocol ones (line 134):
    UnrecognizedClientException for an unknown key or token, InvalidSignatureException for a
    wrong signature or one outside the time window, ExpiredTokenException for an expired token."""
    authorization = headers.get("Authorization")
    if not authorization:
        raise AuthError("MissingAuthenticationTokenException", "Missing Authentication Token")
    scope = parse_scope(authorization)
    if scope is None:
        raise AuthError("IncompleteSignatureException",
                        f"Authorization header is not a valid SigV4 header: {authorization[:60]}")
    try:
        request = IAMRequest(account_id=ACCOUNT_ID, method=method, path=path, data={},
                             body=body, headers=headers, action=action)
    except InvalidClientTokenIdError:
        raise AuthError("UnrecognizedClientException",
                        "The security token included in the request is invalid.") from None
    check_expiry(scope.access_key_id)
    check_skew(headers, utcnow())
    try:
        request.check_signature()
    except SignatureDoesNotMatchError:
        raise AuthError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
        ) from None
    except (KeyError, ValueError) as exc:
        raise AuthError("IncompleteSignatureException", f"Malformed signature: {exc}") from None
    access_key = request._access_key  # moto keeps the resolved principal here
    return Caller(arn=access_key.arn, access_key=access_key), scope

