"""STS AssumeRole as the front checks it before moto issues the credentials.

Moto's AssumeRole issues credentials for any role ARN, existing or not, in any account: it checks
the trust policy only for a role in the caller's own account, with its own simple principal
match, and never checks the session duration. The front checks, in this order, for a caller
whose signature and expiry it has already checked (auth.verify_query):

1. The request members against the AssumeRole model constraints (botocore's STS model, the same
   ones the API reference lists): RoleArn 20..2048 characters, RoleSessionName 2..64 characters of
   `[\\w+=,.@-]`, DurationSeconds 900..43200, ExternalId 2..1224 characters of `[\\w+=,.@:/-]`.
   Each violation is one clause of a `ValidationError` ("1 validation error detected: Value ...
   at 'roleSessionName' failed to satisfy constraint: ...").
   https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
2. The caller's identity policies must allow `sts:AssumeRole` on the role ARN, the role must
   exist in the account the ARN names, and its trust policy must allow the caller (trusts()).
   Any of these failing is the same `AccessDenied` (HTTP 403): real STS does not say whether the
   role exists. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
3. DurationSeconds (default 3600) against the session limits: a caller that is itself a role
   session is role chaining, limited to one hour; otherwise the role's MaxSessionDuration.
   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html#iam-term-role-chaining

Then moto issues the credentials in the role's account (STSBackend.assume_role), so KMS calls
signed with them see that account's keys. With `assume_role_seconds` set, the front then
shortens the issued session (Front.issued_session), for tests of a client's renewal.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any
from urllib.parse import unquote

from moto.iam.access_control import PermissionResult
from moto.iam.models import iam_backends

from .auth import PARTITION, Caller
from .org import root_arn

# AssumeRoleRequest constraints (botocore data/sts/2011-06-15/service-2.json; API reference).
ROLE_ARN_LENGTH = (20, 2048)
SESSION_NAME_LENGTH = (2, 64)
SESSION_NAME_PATTERN = r"[\w+=,.@-]*"
EXTERNAL_ID_LENGTH = (2, 1224)
EXTERNAL_ID_PATTERN = r"[\w+=,.@:\/-]*"
DURATION_RANGE = (900, 43200)
DEFAULT_DURATION = 3600
# Role chaining: one hour at most, whatever the role's MaxSessionDuration (IAM user guide).
CHAINED_MAX_SECONDS = 3600
# A role without a MaxSessionDuration has the default of one hour (IAM CreateRole).
DEFAULT_MAX_SESSION = 3600

_SESSION_NAME = re.compile(SESSION_NAME_PATTERN, re.ASCII)
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN, re.ASCII)
_ARN = re.compile(r"^arn:[^:]+:[^:]*:[^:]*:[^:]*:.+$")
_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/.+$")

CHAINING_MESSAGE = ("The requested DurationSeconds exceeds the 1 hour session limit for roles "
                    "assumed by role chaining.")
MAX_SESSION_MESSAGE = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."


class StsError(Exception):
    """A Query-protocol STS error: the front renders `<ErrorResponse>` with this code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _value(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _length(member: str, value: str, bounds: tuple[int, int], problems: list[str]) -> None:
    low, high = bounds
    if len(value) < low:
        problems.append(f"Value '{value}' at '{member}' failed to satisfy constraint: Member must "
                        f"have length greater than or equal to {low}")
    elif len(value) > high:
        problems.append(f"Value '{value}' at '{member}' failed to satisfy constraint: Member must "
                        f"have length less than or equal to {high}")


def _pattern(member: str, value: str, pattern: re.Pattern[str], text: str,
             problems: list[str]) -> None:
    if pattern.fullmatch(value) is None:
        problems.append(f"Value '{value}' at '{member}' failed to satisfy constraint: Member must "
                        f"satisfy regular expression pattern: {text}")


def validate(params: dict[str, list[str]]) -> tuple[str, str, int, str | None]:
    """Step 1: the model constraints. Returns (role ARN, session name, duration, external ID)."""
    problems: list[str] = []
    arn = _value(params, "RoleArn")
    name = _value(params, "RoleSessionName")
    raw_duration = _value(params, "DurationSeconds")
    external_id = _value(params, "ExternalId")
    if arn is None:
        problems.append("Value null at 'roleArn' failed to satisfy constraint: Member must not be "
                        "null")
    else:
        _length("roleArn", arn, ROLE_ARN_LENGTH, problems)
    if name is None:
        problems.append("Value null at 'roleSessionName' failed to satisfy constraint: Member "
                        "must not be null")
    else:
        _length("roleSessionName", name, SESSION_NAME_LENGTH, problems)
        _pattern("roleSessionName", name, _SESSION_NAME, SESSION_NAME_PATTERN, problems)
    duration = DEFAULT_DURATION
    if raw_duration is not None:
        try:
            duration = int(raw_duration)
        except ValueError:
            problems.append(f"Value '{raw_duration}' at 'durationSeconds' failed to satisfy "
                            "constraint: Member must be an integer")
        else:
            low, high = DURATION_RANGE
            if duration < low:
                problems.append(f"Value '{duration}' at 'durationSeconds' failed to satisfy "
                                f"constraint: Member must have value greater than or equal to "
                                f"{low}")
            elif duration > high:
                problems.append(f"Value '{duration}' at 'durationSeconds' failed to satisfy "
                                f"constraint: Member must have value less than or equal to {high}")
    if external_id is not None:
        _length("externalId", external_id, EXTERNAL_ID_LENGTH, problems)
        _pattern("externalId", external_id, _EXTERNAL_ID, EXTERNAL_ID_PATTERN, problems)
    if problems:
        count = len(problems)
        raise StsError("ValidationError",
                       f"{count} validation error{'s' if count > 1 else ''} detected: "
                       + "; ".join(problems))
    assert arn is not None and name is not None
    if _ARN.match(arn) is None:
        # Not an ARN at all (the peer's wording; real STS's is unconfirmed).
        raise StsError("ValidationError", f"{arn} is not a valid ARN")
    return arn, name, duration, external_id


def find_role(arn: str) -> Any:
    """The IAM role an ARN names, or None. Only accounts the peer knows are looked in (looking
    an unknown account up in moto would create it)."""
    match = _ROLE_ARN.match(arn)
    if match is None or match.group(1) not in iam_backends:
        return None
    backend = iam_backends[match.group(1)][PARTITION]
    return next((r for r in backend.roles.values() if r.arn == arn), None)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, caller: Caller) -> bool:
    """`Principal` names the caller: `*`, the caller's account (its ID or `arn:aws:iam::ID:root`:
    every principal of that account), the caller's user ARN, its role's ARN or its session ARN
    (IAM user guide, "AWS JSON policy elements: Principal")."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for entry in _as_list(principal.get("AWS", [])):
        if entry == "*" or entry in (caller.account, root_arn(caller.account)):
            return True
        if entry in caller.principal_arns:
            return True
    return False


def _condition_holds(condition: Any, context: dict[str, str]) -> bool:
    """String conditions on the request's context keys (IAM user guide, "Condition operators").
    Keys are case-insensitive; an operator the peer does not know fails closed."""
    if not condition:
        return True
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if not isinstance(tests, dict):
            return False
        base = operator[:-len("IfExists")] if operator.endswith("IfExists") else operator
        for key, expected in tests.items():
            actual = context.get(key.lower())
            wanted = [str(v) for v in _as_list(expected)]
            if actual is None:
                # A missing key fails a positive test and passes a negated one (or any
                # ...IfExists test).
                if operator.endswith("IfExists") or base.startswith("StringNot"):
                    continue
                return False
            if base == "StringEquals":
                ok = actual in wanted
            elif base == "StringNotEquals":
                ok = actual not in wanted
            elif base == "StringEqualsIgnoreCase":
                ok = actual.lower() in [w.lower() for w in wanted]
            elif base == "StringLike":
                ok = any(fnmatch.fnmatchcase(actual, w) for w in wanted)
            elif base == "StringNotLike":
                ok = not any(fnmatch.fnmatchcase(actual, w) for w in wanted)
            else:
                return False
            if not ok:
                return False
    return True


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(fnmatch.fnmatchcase(action.lower(), str(a).lower())
                       for a in _as_list(statement["NotAction"]))
    return any(fnmatch.fnmatchcase(action.lower(), str(a).lower())
               for a in _as_list(statement.get("Action", [])))


def trusts(document: str, caller: Caller, context: dict[str, str]) -> bool:
    """Evaluate a role's trust policy for `sts:AssumeRole` by this caller: allowed when a
    statement whose action, principal and conditions match allows it and none that matches denies
    it. Statements with NotPrincipal are not supported and never match."""
    try:
        policy = json.loads(document)
    except ValueError:
        policy = json.loads(unquote(document))  # IAM hands trust policies out URL-encoded
    allowed = False
    for statement in _as_list(policy.get("Statement", [])):
        if not isinstance(statement, dict) or "NotPrincipal" in statement:
            continue
        if not _action_matches(statement, "sts:AssumeRole"):
            continue
        if not _principal_matches(statement.get("Principal"), caller):
            continue
        if not _condition_holds(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def check_assume_role(caller: Caller, params: dict[str, list[str]]) -> None:
    """Steps 1-3 above; raises StsError, or returns when moto may issue the credentials."""
    arn, name, duration, external_id = validate(params)
    denied = StsError("AccessDenied", f"User: {caller.arn} is not authorized to perform: "
                                      f"sts:AssumeRole on resource: {arn}", 403)
    if caller.permits("sts:AssumeRole", arn) != PermissionResult.PERMITTED:
        raise denied
    role = find_role(arn)
    if role is None:
        raise denied
    context = {
        "aws:principalaccount": caller.account,
        "aws:principalarn": caller.principal_arns[-1],  # a session's is its role's ARN
        "sts:rolesessionname": name,
    }
    if external_id is not None:
        context["sts:externalid"] = external_id
    if not trusts(role.assume_role_policy_document, caller, context):
        raise denied
    if caller.session is not None and duration > CHAINED_MAX_SECONDS:
        raise StsError("ValidationError", CHAINING_MESSAGE)
    if duration > int(role.max_session_duration or DEFAULT_MAX_SESSION):
        raise StsError("ValidationError", MAX_SESSION_MESSAGE)
