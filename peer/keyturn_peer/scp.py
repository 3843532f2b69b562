"""Service control policies as the peer models them: a deny list of (account, Region, actions).

In AWS Organizations a service control policy (SCP) sets the most an account's principals may
do; an explicit Deny in it wins over any Allow in their identity policies
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html). The
common region-deny SCP denies actions when `aws:RequestedRegion` is one of some Regions
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html).
The peer keeps only what such a policy decides: each rule denies the actions matching its
patterns (`kms:*`, IAM-style wildcards, case-insensitive) to every principal of one account in one
Region. The front checks every authenticated KMS, STS and Organizations request against the list
before quotas, faults and the operation itself; a denied request is logged with its error, and
uses up no quota and no fault.

The demo organisation has one rule: the sandbox account may not use KMS in eu-west-1. A reset
rebuilds the list from the seed.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any

from . import errors


@dataclass(frozen=True)
class Deny:
    account: str
    region: str
    actions: tuple[str, ...] = ("kms:*",)

    def matches(self, account: str, region: str, action: str) -> bool:
        return (self.account == account and self.region == region
                and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in self.actions))


def message(caller_arn: str, action: str) -> str:
    # How AWS words a denial that comes from an SCP (IAM user guide, "Troubleshoot access denied
    # error messages": https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
    return (f"User: {caller_arn} is not authorized to perform: {action} with an explicit deny in "
            f"a service control policy")


class DenyList:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[Deny] = []

    def add(self, account: str, region: str, actions: tuple[str, ...] = ("kms:*",)) -> None:
        with self.lock:
            self.rules.append(Deny(account, region, tuple(actions)))

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def denies(self, account: str, region: str, action: str) -> bool:
        with self.lock:
            return any(rule.matches(account, region, action) for rule in self.rules)

    def check(self, caller_arn: str, account: str, region: str, action: str) -> None:
        """AccessDeniedException (the JSON services' code) when a rule denies the action; the
        Query front maps it to STS's AccessDenied."""
        if self.denies(account, region, action):
            raise errors.KmsError("AccessDeniedException", message(caller_arn, action))

    def rows(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{"account": r.account, "region": r.region, "actions": list(r.actions)}
                    for r in self.rules]
