"""The accounts the peer serves, the demo organisation, and Organizations ListAccounts.

Every AWS request belongs to the account of its caller (auth.account_of); KMS data lives in moto's
`kms_backends[account][region]`. With `--seed demo` the peer models an organisation of four
accounts (plus `--org-extra N` empty ones), each with the IAM roles the console may assume
(`roles`, created by auth.create_role). With `--seed none` there is only the management
account's user and role, and no organisation.

ListAccounts is answered from the peer's own model rather than moto's organizations backend:
moto gives accounts random IDs, pages 100 at a time (the real maximum is 20) and orders them by
JoinedTimestamp. The shape is the one in the Organizations API reference (ListAccounts, Account):
https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from . import errors, paging

# Account A: where credentials.json's session lives, and the organisation's management account.
MANAGEMENT = DEFAULT_ACCOUNT_ID  # 123456789012
WORKLOADS = "210987654321"  # B
SANDBOX = "345678901234"  # C
LEGACY = "456789012345"  # D
# Organization IDs are `o-` + 10..32 lower-case letters or digits (the AccountArn pattern in the
# Organizations API model).
ORG_ID = "o-k7t3d9m2q4"
# The role Organizations creates in each account it creates, trusting the management account
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html).
ACCESS_ROLE = "OrganizationAccountAccessRole"
# A role in B that only trusts callers who pass this external ID
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html).
AUDIT_ROLE = "keyturn-audit"
AUDIT_EXTERNAL_ID = "keyturn-demo-external-id"
# `--org-extra N`: accounts 500000000001.. (12 digits), names keyturn-demo-extra-01...
EXTRA_BASE = 500000000000
# An organisation can grow to 10,000 accounts at most (Organizations quotas page:
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
MAX_ACCOUNTS = 10000
MAX_EXTRA = MAX_ACCOUNTS - 4
# ListAccounts MaxResults: 1..20 (the API reference and the model's MaxResults shape).
MAX_RESULTS = 20
DEFAULT_RESULTS = 20
KMS_REGIONS = ("us-east-1", "us-west-2")

DAY = 86400.0

# Messages of the Organizations errors ListAccounts can return (the operation's error list in the
# API reference; the wording of each is the one AWS prints for it).
NOT_IN_USE = "Your account is not a member of an organization."
ACCESS_DENIED = "You don't have permissions to access this resource."


def role_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


@dataclass
class Member:
    """One account of the organisation, as ListAccounts and fleet.json describe it."""

    id: str
    name: str
    email: str
    joined_method: str  # INVITED | CREATED
    joined: float
    # Regions that hold (or may hold) the account's KMS keys; fleet.json lists them.
    regions: list[str]
    # The role the console assumes to reach the account (for A: the role of credentials.json's
    # session, which the console uses as it is).
    role_arn: str
    # Whether the session in credentials.json can reach the account (A itself, or by AssumeRole).
    assumable: bool


@dataclass
class RoleSpec:
    """An IAM role to create: who may assume it (its trust policy) and what it may do."""

    account: str
    name: str
    trusted: list[str]
    allow: list[str]
    external_id: str | None = None
    max_session_seconds: int = 3600  # the IAM default (CreateRole MaxSessionDuration)
    description: str = ""


@dataclass
class Organization:
    id: str
    management: str
    members: list[Member] = field(default_factory=list)

    def member(self, account: str) -> Member | None:
        return next((m for m in self.members if m.id == account), None)

    def account_arn(self, account: str) -> str:
        return f"arn:aws:organizations::{self.management}:account/{self.id}/{account}"

    def describe(self, m: Member) -> dict[str, Any]:
        # Account members (API reference, Account data type). `State` is the newer field that
        # replaces `Status`; both are sent while AWS sends both.
        return {
            "Id": m.id,
            "Arn": self.account_arn(m.id),
            "Email": m.email,
            "Name": m.name,
            "Status": "ACTIVE",
            "State": "ACTIVE",
            "JoinedMethod": m.joined_method,
            "JoinedTimestamp": m.joined,
        }


def trust_policy(principals: list[str], external_id: str | None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principals},
                                 "Action": "sts:AssumeRole"}
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def demo(now: float, extra: int) -> tuple[Organization, list[RoleSpec]]:
    """The demo organisation (GitHub issue 9 §4) and the roles in its member accounts."""
    from . import auth  # the management account's role and user names

    console_role = role_arn(MANAGEMENT, auth.ROLE_NAME)
    operator = f"arn:aws:iam::{MANAGEMENT}:user/{auth.USER_NAME}"

    def ago(days: float) -> float:
        return now - days * DAY

    org = Organization(ORG_ID, MANAGEMENT)
    org.members = [
        Member(MANAGEMENT, "keyturn-demo-management", "keyturn-demo-management@keyturn.example",
               "INVITED", ago(1500), list(KMS_REGIONS), console_role, True),
        Member(WORKLOADS, "keyturn-demo-workloads", "keyturn-demo-workloads@keyturn.example",
               "CREATED", ago(1200), list(KMS_REGIONS), role_arn(WORKLOADS, ACCESS_ROLE), True),
        Member(SANDBOX, "keyturn-demo-sandbox", "keyturn-demo-sandbox@keyturn.example",
               "CREATED", ago(900), [*KMS_REGIONS, "eu-west-1"], role_arn(SANDBOX, ACCESS_ROLE),
               True),
        Member(LEGACY, "keyturn-demo-legacy", "keyturn-demo-legacy@keyturn.example",
               "INVITED", ago(600), ["us-east-1"], role_arn(LEGACY, ACCESS_ROLE), False),
    ]
    kms_and_identity = ["kms:*", "sts:GetCallerIdentity"]
    roles = [
        # B trusts the console's role and the operator by name.
        RoleSpec(WORKLOADS, ACCESS_ROLE, [console_role, operator], kms_and_identity,
                 description="Organizations access role (trusts keyturn-console and the operator)"),
        # B's audit role: read-only KMS, and only with the external ID.
        RoleSpec(WORKLOADS, AUDIT_ROLE, [console_role, operator],
                 ["kms:Describe*", "kms:Get*", "kms:List*", "sts:GetCallerIdentity"],
                 external_id=AUDIT_EXTERNAL_ID, max_session_seconds=43200,
                 description="Read-only KMS audit role (needs the external ID)"),
        # C trusts the management account as a whole, as the role Organizations creates does.
        RoleSpec(SANDBOX, ACCESS_ROLE, [root_arn(MANAGEMENT)], kms_and_identity,
                 description="Organizations access role (trusts the management account)"),
        # D was invited; its hand-made role trusts only its own account, not A.
        RoleSpec(LEGACY, ACCESS_ROLE, [root_arn(LEGACY)], kms_and_identity,
                 description="Hand-made access role of an invited account (trusts only itself)"),
    ]
    width = max(2, len(str(extra)))
    for i in range(1, extra + 1):
        account = str(EXTRA_BASE + i)
        name = f"keyturn-demo-extra-{i:0{width}d}"
        org.members.append(Member(account, name, f"{name}@keyturn.example", "CREATED",
                                  ago(300) + i * 60, list(KMS_REGIONS),
                                  role_arn(account, ACCESS_ROLE), True))
        roles.append(RoleSpec(account, ACCESS_ROLE, [root_arn(MANAGEMENT)], kms_and_identity,
                              description="Organizations access role (trusts the management "
                                          "account)"))
    return org, roles


# ---------------------------------------------------------------------------------------------
# Organizations errors and ListAccounts.


def org_error(code: str, message: str, status: int = 400, **fields: Any) -> errors.KmsError:
    # Organizations' error shapes carry `Message` with a capital M (the API model), unlike KMS.
    return errors.KmsError(code, message, status, fields=fields, message_key="Message")


def throttled() -> errors.KmsError:
    # TooManyRequestsException: Organizations' throttling error (ListAccounts errors).
    # The message is the exception's description in the API model.
    return org_error("TooManyRequestsException",
                     "You have sent too many requests in too short a period of time. The quota "
                     "helps protect against denial-of-service attacks. Try again later.")


def internal(operation: str) -> errors.KmsError:
    # ServiceException: Organizations' server fault (HTTP 500).
    return org_error("ServiceException",
                     f"AWS Organizations can't complete your request because of an internal "
                     f"service error ({operation} failed after it was carried out, a fault the "
                     f"test asked for). Try again later.", status=500)


def list_accounts(org: Organization | None, caller_account: str, permitted: bool,
                  params: dict[str, Any]) -> dict[str, Any]:
    """ListAccounts: only the management account answers (or a delegated administrator, which the
    peer does not model); a member account gets AccessDeniedException; an account outside any
    organisation AWSOrganizationsNotInUseException (API reference, ListAccounts "Errors")."""
    if org is None or org.member(caller_account) is None:
        raise org_error("AWSOrganizationsNotInUseException", NOT_IN_USE)
    if caller_account != org.management or not permitted:
        raise org_error("AccessDeniedException", ACCESS_DENIED)
    limit = params.get("MaxResults")
    if limit is None:
        limit = DEFAULT_RESULTS
    elif isinstance(limit, bool) or not isinstance(limit, int):
        raise errors.serialization(f"MaxResults must be an integer, got {limit!r}")
    elif limit < 1:
        raise org_error("InvalidInputException",
                        "You provided a numeric parameter that has a smaller value than allowed.",
                        Reason="MIN_VALUE_EXCEEDED")
    elif limit > MAX_RESULTS:
        raise org_error("InvalidInputException",
                        "You provided a numeric parameter that has a larger value than allowed.",
                        Reason="MAX_VALUE_EXCEEDED")
    scope = f"ListAccounts:{org.id}:{caller_account}"
    start = 0
    token = params.get("NextToken")
    if token is not None:
        offset = paging.decode(token, scope, len(org.members))
        if offset is None:
            raise org_error("InvalidInputException",
                            "The NextToken is not valid. Get the value for the NextToken parameter "
                            "from the response to a previous call of the operation.",
                            Reason="INVALID_NEXT_TOKEN")
        start = offset
    chunk = org.members[start:start + limit]
    out: dict[str, Any] = {"Accounts": [org.describe(m) for m in chunk]}
    end = start + len(chunk)
    if end < len(org.members):
        out["NextToken"] = paging.encode(scope, end)
    return out
