"""The front's trust-policy evaluation (sts.trusts) and the SCP deny list (scp.py), in-process."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO))
from peer.keyturn_peer import errors, scp, sts  # noqa: E402
from peer.keyturn_peer.auth import Caller  # noqa: E402

A, B = "123456789012", "210987654321"
ROLE = f"arn:aws:iam::{A}:role/keyturn-console"
USER = f"arn:aws:iam::{A}:user/keyturn-operator"
SESSION = Caller(arn=f"arn:aws:sts::{A}:assumed-role/keyturn-console/s", access_key=None,
                 account=A, session=SimpleNamespace(role_arn=ROLE))  # type: ignore[arg-type]
USER_CALLER = Caller(arn=USER, access_key=None, account=A)
OTHER = Caller(arn=f"arn:aws:iam::{B}:user/someone", access_key=None, account=B)


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: object, **extra: object) -> dict:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


@pytest.mark.parametrize("principal,session,user,other", [
    ({"AWS": ROLE}, True, False, False),
    ({"AWS": [USER, ROLE]}, True, True, False),
    ({"AWS": f"arn:aws:iam::{A}:root"}, True, True, False),
    ({"AWS": A}, True, True, False),
    ({"AWS": "*"}, True, True, True),
    ("*", True, True, True),
    ({"AWS": f"arn:aws:sts::{A}:assumed-role/keyturn-console/s"}, True, False, False),
    ({"Service": "ec2.amazonaws.com"}, False, False, False),
])
def test_principals(principal: object, session: bool, user: bool, other: bool) -> None:
    doc = policy(allow(principal))
    assert [sts.trusts(doc, c, {}) for c in (SESSION, USER_CALLER, OTHER)] == \
        [session, user, other]


def test_conditions_actions_and_deny() -> None:
    ext = policy(allow({"AWS": A}, Condition={"StringEquals": {"sts:ExternalId": "abc"}}))
    assert sts.trusts(ext, SESSION, {"sts:externalid": "abc"})
    assert not sts.trusts(ext, SESSION, {"sts:externalid": "abd"})
    assert not sts.trusts(ext, SESSION, {})
    # Condition keys are case-insensitive; StringLike takes wildcards.
    like = policy(allow({"AWS": A}, Condition={"StringLike": {"STS:RoleSessionName": "ci-*"}}))
    assert sts.trusts(like, SESSION, {"sts:rolesessionname": "ci-42"})
    assert not sts.trusts(like, SESSION, {"sts:rolesessionname": "dev-42"})
    # A negated test, or ...IfExists, passes when the key is missing.
    neg = policy(allow({"AWS": A}, Condition={"StringNotEquals": {"sts:ExternalId": "x"}}))
    assert sts.trusts(neg, SESSION, {})
    if_exists = policy(allow({"AWS": A},
                             Condition={"StringEqualsIfExists": {"sts:ExternalId": "x"}}))
    assert sts.trusts(if_exists, SESSION, {}) and not sts.trusts(
        if_exists, SESSION, {"sts:externalid": "y"})
    # An operator the peer does not know fails closed.
    unknown = policy(allow({"AWS": A}, Condition={"DateGreaterThan": {"aws:CurrentTime": "1"}}))
    assert not sts.trusts(unknown, SESSION, {})
    # Another action does not grant AssumeRole; a wildcard does.
    assert not sts.trusts(policy({**allow({"AWS": A}), "Action": "sts:TagSession"}), SESSION, {})
    assert sts.trusts(policy({**allow({"AWS": A}), "Action": ["sts:*"]}), SESSION, {})
    # A matching Deny wins over the Allow; NotPrincipal statements are not supported.
    deny = {"Effect": "Deny", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}
    both = policy(allow({"AWS": A}), deny)
    assert sts.trusts(both, SESSION, {}) and not sts.trusts(both, USER_CALLER, {})
    assert not sts.trusts(policy({"Effect": "Allow", "NotPrincipal": {"AWS": B},
                                  "Action": "sts:AssumeRole"}), SESSION, {})
    # IAM hands trust policies out URL-encoded; both forms are read.
    assert sts.trusts(quote(policy(allow({"AWS": ROLE}))), SESSION, {})


def test_validation_collects_every_violation() -> None:
    with pytest.raises(sts.StsError) as info:
        sts.validate({"RoleSessionName": ["a b"], "DurationSeconds": ["50000"]})
    err = info.value
    assert (err.code, err.status) == ("ValidationError", 400)
    assert err.message.startswith("3 validation errors detected: Value null at 'roleArn'")
    assert "at 'durationSeconds' failed to satisfy constraint: Member must have value less than " \
           "or equal to 43200" in err.message
    assert sts.validate({"RoleArn": [ROLE], "RoleSessionName": ["ok"]}) == (ROLE, "ok", 3600, None)
    with pytest.raises(sts.StsError) as info:
        sts.validate({"RoleArn": ["not-an-arn-of-any-kind"], "RoleSessionName": ["ok"]})
    assert info.value.code == "ValidationError"


def test_scp_deny_list() -> None:
    denials = scp.DenyList()
    denials.add("345678901234", "eu-west-1", ("kms:*",))
    assert denials.denies("345678901234", "eu-west-1", "kms:ListKeys")
    assert denials.denies("345678901234", "eu-west-1", "KMS:DescribeKey")
    assert not denials.denies("345678901234", "us-east-1", "kms:ListKeys")
    assert not denials.denies(A, "eu-west-1", "kms:ListKeys")
    assert not denials.denies("345678901234", "eu-west-1", "sts:GetCallerIdentity")
    with pytest.raises(errors.KmsError) as info:
        denials.check("arn:aws:sts::345678901234:assumed-role/R/s", "345678901234", "eu-west-1",
                      "kms:ListKeys")
    assert info.value.body() == {
        "__type": "AccessDeniedException",
        "message": "User: arn:aws:sts::345678901234:assumed-role/R/s is not authorized to "
                   "perform: kms:ListKeys with an explicit deny in a service control policy"}
    assert denials.rows() == [{"account": "345678901234", "region": "eu-west-1",
                               "actions": ["kms:*"]}]
    denials.clear()
    assert not denials.denies("345678901234", "eu-west-1", "kms:ListKeys")
