"""Describes the peer's fleet as the test role sees it, for the end-to-end tests to pick keys by
their properties (spec, origin, state, manager, rotations used) instead of by hard-coded ids.

One process with boto3 (the same botocore the AWS CLI uses) instead of dozens of CLI runs: the
values the tests assert on are cross-checked with the AWS CLI itself in the tests.

Usage: fleet.py ENDPOINT_URL REGION [REGION...]; credentials come from the AWS_* environment.
Prints JSON: {region: [key, ...]}.
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


def main() -> None:
    endpoint, regions = sys.argv[1], sys.argv[2:]
    print(json.dumps({region: describe_region(endpoint, region) for region in regions}, default=str))


if __name__ == "__main__":
    main()
