"""Describes the peer's fleet as the test role sees it, for the end-to-end tests to pick keys by
their properties (spec, origin, state, manager, rotations used) instead of by hard-coded ids.

One process with boto3 (the same botocore the AWS CLI uses) instead of dozens of CLI runs: the
values the tests assert on are cross-checked with the AWS CLI itself in the tests.

Usage: fleet.py ENDPOINT_URL REGION [REGION...]; credentials come from the AWS_* environment.
Prints JSON: {region: [key, ...]}.

Or: fleet.py --scopes ENDPOINT_URL SPEC_JSON, for the organisation's scopes (fleet.spec.ts).
SPEC_JSON is a list of {"account", "role_arn" (null: the credentials in the environment),
"external_id" (optional), "regions": [...], "rotations": bool}; each role is assumed with STS
AssumeRole through the same endpoint. Prints a list of
{"account", "region", "error" (the AWS error code, or null), "keys": [...]} where a key is
{"KeyId", "Aliases", "MultiRegionKeyType", "PrimaryRegion"} and, with "rotations",
"RotationCount" and "OnDemandCount". Only multi-Region keys (mrk-) are described unless
"rotations" is set, so 1,000+ keys read in seconds.
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "Unknown")


def call(fn, **kwargs):
    try:
        return fn(**kwargs), None
    except ClientError as error:
        return None, error_code(error)


def pages(client, operation, result_key, **kwargs):
    items = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(result_key, []))
    return items


def describe_region(endpoint: str, region: str) -> list:
    client = boto3.client(
        "kms",
        region_name=region,
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    keys = pages(client, "list_keys", "Keys")
    aliases = pages(client, "list_aliases", "Aliases")
    out = []
    for key in keys:
        key_id = key["KeyId"]
        entry = {
            "KeyId": key_id,
            "KeyArn": key.get("KeyArn"),
            "Region": region,
            "Aliases": [
                {"AliasName": a["AliasName"], "AliasArn": a.get("AliasArn")}
                for a in aliases
                if a.get("TargetKeyId") == key_id
            ],
            "Errors": {},
        }
        described, err = call(client.describe_key, KeyId=key_id)
        if err:
            entry["Errors"]["DescribeKey"] = err
        else:
            meta = described["KeyMetadata"]
            entry["Metadata"] = {
                k: meta.get(k)
                for k in (
                    "KeyManager",
                    "KeySpec",
                    "KeyUsage",
                    "Origin",
                    "KeyState",
                    "Description",
                    "MultiRegion",
                    "CustomKeyStoreId",
                )
            }
            mrc = meta.get("MultiRegionConfiguration") or {}
            entry["Metadata"]["MultiRegionKeyType"] = mrc.get("MultiRegionKeyType")
            primary = mrc.get("PrimaryKey") or {}
            entry["Metadata"]["PrimaryRegion"] = primary.get("Region")
            entry["Metadata"]["PrimaryArn"] = primary.get("Arn")
        status, err = call(client.get_key_rotation_status, KeyId=key_id)
        if err:
            entry["Errors"]["GetKeyRotationStatus"] = err
        else:
            entry["RotationStatus"] = {
                "KeyRotationEnabled": status.get("KeyRotationEnabled"),
                "RotationPeriodInDays": status.get("RotationPeriodInDays"),
                "InProgress": status.get("OnDemandRotationStartDate") is not None,
                "NextRotationDate": (
                    status["NextRotationDate"].timestamp() if status.get("NextRotationDate") else None
                ),
            }
        try:
            rotations = pages(client, "list_key_rotations", "Rotations", KeyId=key_id)
            entry["OnDemandCount"] = sum(1 for r in rotations if r.get("RotationType") == "ON_DEMAND")
            entry["RotationCount"] = len(rotations)
        except ClientError as error:
            entry["Errors"]["ListKeyRotations"] = error_code(error)
        out.append(entry)
    return out


def kms_client(endpoint: str, region: str, creds: dict | None):
    extra = {}
    if creds:
        extra = {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }
    return boto3.client(
        "kms",
        region_name=region,
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
        **extra,
    )


def assume(endpoint: str, role_arn: str, external_id: str | None):
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    kwargs = {"RoleArn": role_arn, "RoleSessionName": "keyturn-e2e-check", "DurationSeconds": 3600}
    if external_id:
        kwargs["ExternalId"] = external_id
    return call(sts.assume_role, **kwargs)


def scope_keys(client, rotations: bool) -> list:
    keys = pages(client, "list_keys", "Keys")
    aliases = pages(client, "list_aliases", "Aliases")
    out = []
    for key in keys:
        key_id = key["KeyId"]
        entry = {
            "KeyId": key_id,
            "Aliases": sorted(a["AliasName"] for a in aliases if a.get("TargetKeyId") == key_id),
            "MultiRegionKeyType": None,
            "PrimaryRegion": None,
        }
        if key_id.startswith("mrk-") or rotations:
            described, _ = call(client.describe_key, KeyId=key_id)
            if described:
                mrc = described["KeyMetadata"].get("MultiRegionConfiguration") or {}
                entry["MultiRegionKeyType"] = mrc.get("MultiRegionKeyType")
                entry["PrimaryRegion"] = (mrc.get("PrimaryKey") or {}).get("Region")
        if rotations:
            try:
                rots = pages(client, "list_key_rotations", "Rotations", KeyId=key_id)
                entry["RotationCount"] = len(rots)
                entry["OnDemandCount"] = sum(1 for r in rots if r.get("RotationType") == "ON_DEMAND")
            except ClientError as error:
                entry["RotationError"] = error_code(error)
        out.append(entry)
    return out


def describe_scopes(endpoint: str, spec: list) -> list:
    out = []
    for account in spec:
        creds, err = None, None
        if account.get("role_arn"):
            assumed, err = assume(endpoint, account["role_arn"], account.get("external_id"))
            if assumed:
                creds = assumed["Credentials"]
        for region in account["regions"]:
            row = {"account": account["account"], "region": region, "error": err, "keys": []}
            if not err:
                try:
                    row["keys"] = scope_keys(kms_client(endpoint, region, creds), bool(account.get("rotations")))
                except ClientError as error:
                    row["error"] = error_code(error)
            out.append(row)
    return out


def main() -> None:
    if sys.argv[1] == "--scopes":
        print(json.dumps(describe_scopes(sys.argv[2], json.loads(sys.argv[3])), default=str))
        return
    endpoint, regions = sys.argv[1], sys.argv[2:]
    print(json.dumps({region: describe_region(endpoint, region) for region in regions}, default=str))


if __name__ == "__main__":
    main()
