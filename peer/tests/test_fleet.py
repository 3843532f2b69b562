"""The seeded demo fleet, read back through the AWS CLI v1 (docs/peer.md "Key metadata and key
IDs")."""

from __future__ import annotations

import re
import time

from conftest import Fleet, Peer

MRK_ID = re.compile(r"^mrk-[0-9a-f]{32}$")

# alias -> expected DescribeKey members.
FLEET = {
    "alias/demo-auto": {"KeySpec": "SYMMETRIC_DEFAULT", "KeyState": "Enabled", "Origin": "AWS_KMS"},
    "alias/demo-manual": {"KeySpec": "SYMMETRIC_DEFAULT", "KeyState": "Enabled"},
    "alias/demo-24-used": {"KeySpec": "SYMMETRIC_DEFAULT"},
    "alias/demo-25-used": {"KeySpec": "SYMMETRIC_DEFAULT"},
    "alias/demo-rsa": {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT",
                       "EncryptionAlgorithms": ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]},
    "alias/demo-ecc": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY",
                       "SigningAlgorithms": ["ECDSA_SHA_256"]},
    "alias/demo-hmac": {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC",
                        "MacAlgorithms": ["HMAC_SHA_256"]},
    "alias/demo-imported": {"Origin": "EXTERNAL", "KeyState": "Enabled",
                            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"},
    "alias/demo-imported-empty": {"Origin": "EXTERNAL", "KeyState": "PendingImport",
                                  "Enabled": False},
    "alias/demo-multi-region": {"MultiRegion": True},
    "alias/demo-disabled": {"KeyState": "Disabled", "Enabled": False},
    "alias/demo-pending-deletion": {"KeyState": "PendingDeletion", "Enabled": False},
    "alias/demo-denied": {"KeyState": "Enabled"},
    "alias/demo-shared": {"Description": "One key, three aliases"},
    "alias/demo-xss": {"Description": "Legacy import <img src=x onerror=alert(1)> (do not render as HTML)"},
    "alias/demo-cloudhsm": {"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": "cks-1234567890abcdef0",
                            "CloudHsmClusterId": "cluster-abcdefghijk"},
    "alias/demo-auto-due": {"KeyState": "Enabled"},
    "alias/aws/s3": {"KeyManager": "AWS", "KeySpec": "SYMMETRIC_DEFAULT"},
    "alias/aws/ebs": {"KeyManager": "AWS"},
    "alias/aws/lambda": {"KeyManager": "AWS"},
}


def test_every_demo_alias_describes_as_documented(fleet: Fleet) -> None:
    aliases = {a["AliasName"]: a for a in fleet.cli("kms", "list-aliases")["Aliases"]}
    for alias, expected in FLEET.items():
        assert alias in aliases, alias
        metadata = fleet.kms().describe_key(KeyId=alias)["KeyMetadata"]
        assert metadata["KeyId"] == aliases[alias]["TargetKeyId"]
        for member, value in expected.items():
            assert metadata[member] == value, (alias, member, metadata.get(member))
        # KeyUsage and MultiRegion are always present (moto on its own leaves them null:
        # docs/peer.md "Where moto is not KMS").
        assert metadata["KeyUsage"] and metadata["MultiRegion"] in (True, False)
        assert metadata["KeyManager"] == ("AWS" if alias.startswith("alias/aws/") else "CUSTOMER")
    # The CLI sees the same metadata as boto3, XSS description included.
    xss = fleet.cli("kms", "describe-key", "--key-id", "alias/demo-xss")["KeyMetadata"]
    assert "<img src=x onerror=alert(1)>" in xss["Description"]
    # One key without any alias.
    keys = {k["KeyId"] for k in fleet.cli("kms", "list-keys")["Keys"]}
    assert len(keys - {a.get("TargetKeyId") for a in aliases.values()}) == 1
    assert len(fleet.cli("kms", "list-aliases", "--key-id",
                         aliases["alias/demo-shared"]["TargetKeyId"])["Aliases"]) == 3


def test_multi_region_primary_and_replica(fleet: Fleet) -> None:
    primary = fleet.cli("kms", "describe-key", "--key-id", "alias/demo-multi-region")["KeyMetadata"]
    replica = fleet.cli("kms", "describe-key", "--key-id", "alias/demo-multi-region",
                        region="us-west-2")["KeyMetadata"]
    assert MRK_ID.match(primary["KeyId"]) and replica["KeyId"] == primary["KeyId"]
    assert replica["Arn"] == primary["Arn"].replace("us-east-1", "us-west-2")
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert replica["MultiRegionConfiguration"]["PrimaryKey"] == {"Arn": primary["Arn"],
                                                                 "Region": "us-east-1"}
    # Describing the replica did not turn the primary into a replica (a moto bug: docs/peer.md
    # "Where moto is not KMS").
    again = fleet.cli("kms", "describe-key", "--key-id", primary["KeyId"])["KeyMetadata"]
    assert again["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    assert again["MultiRegionConfiguration"]["ReplicaKeys"] == [{"Arn": replica["Arn"],
                                                                 "Region": "us-west-2"}]
    west = fleet.cli("kms", "list-keys", region="us-west-2")["Keys"]
    assert [k["KeyId"] for k in west] == [primary["KeyId"]]
    west_aliases = fleet.cli("kms", "list-aliases", region="us-west-2")["Aliases"]
    assert [a["AliasName"] for a in west_aliases] == ["alias/demo-multi-region"]


def test_seeded_rotation_history(fleet: Fleet) -> None:
    now = time.time()
    for alias, count in (("alias/demo-24-used", 24), ("alias/demo-25-used", 25)):
        key_id = fleet.key_id(alias)
        created = fleet.kms().describe_key(KeyId=key_id)["KeyMetadata"]["CreationDate"].timestamp()
        rows = fleet.cli("kms", "list-key-rotations", "--key-id", key_id)["Rotations"]
        assert len(rows) == count
        assert all(r["RotationType"] == "ON_DEMAND" and r["KeyId"] == key_id for r in rows)
        dates = [r["RotationDate"] for r in rows]
        assert dates == sorted(dates) and created < dates[0] and dates[-1] < now
        assert [r["KeyMaterialState"] for r in rows].count("CURRENT") == 1
    auto = fleet.cli("kms", "list-key-rotations", "--key-id", fleet.key_id("alias/demo-auto"))
    assert [r["RotationType"] for r in auto["Rotations"]] == ["AUTOMATIC", "ON_DEMAND", "AUTOMATIC"]
    aws = fleet.cli("kms", "list-key-rotations", "--key-id", fleet.key_id("alias/aws/s3"))
    assert [r["RotationType"] for r in aws["Rotations"]] == ["AUTOMATIC", "AUTOMATIC"]
    tags = fleet.cli("kms", "list-resource-tags", "--key-id", fleet.key_id("alias/demo-auto"))
    assert {t["TagKey"]: t["TagValue"] for t in tags["Tags"]} == {"team": "payments", "env": "prod"}


def test_predefined_aws_alias_creates_its_managed_key_on_describe(fleet: Fleet) -> None:
    before = fleet.cli("kms", "list-aliases")["Aliases"]
    assert "TargetKeyId" not in next(a for a in before if a["AliasName"] == "alias/aws/dynamodb")
    created = fleet.cli("kms", "describe-key", "--key-id", "alias/aws/dynamodb")["KeyMetadata"]
    assert created["KeyManager"] == "AWS"
    after = fleet.cli("kms", "list-aliases", "--key-id", created["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in after] == ["alias/aws/dynamodb"]
    err = fleet.cli_error("kms", "describe-key", "--key-id", "alias/aws/acm")
    assert err.code == "NotFoundException"


def test_successes_are_amz_json(fleet: Fleet) -> None:
    reply = fleet.kms_call("DescribeKey", {"KeyId": "alias/demo-auto"})
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/x-amz-json-1.1"
    assert reply.headers["x-amzn-requestid"]
    # Nothing optional is sent as null (docs/kms.md §1.3 Responses and data types).
    assert "null" not in reply.body.decode()


def test_keys_made_through_the_api_follow_the_same_rules(fleet: Fleet) -> None:
    made = fleet.cli("kms", "create-key", "--origin", "EXTERNAL",
                     "--description", "made by the CLI")["KeyMetadata"]
    assert made["KeyState"] == "PendingImport" and made["KeyManager"] == "CUSTOMER"
    sym = fleet.cli("kms", "create-key")["KeyMetadata"]
    assert sym["KeyState"] == "Enabled" and sym["KeyUsage"] == "ENCRYPT_DECRYPT"
    fleet.cli("kms", "enable-key-rotation", "--key-id", sym["KeyId"],
              "--rotation-period-in-days", "120")
    status = fleet.cli("kms", "get-key-rotation-status", "--key-id", sym["KeyId"])
    assert status["RotationPeriodInDays"] == 120
    fleet.cli("kms", "schedule-key-deletion", "--key-id", sym["KeyId"],
              "--pending-window-in-days", "7")
    err = fleet.cli_error("kms", "rotate-key-on-demand", "--key-id", sym["KeyId"])
    assert err.code == "KMSInvalidStateException"


def test_seed_none_is_empty(peer: Peer, fleet: Fleet) -> None:
    doc = peer.reset(seed="none")
    empty = Fleet(peer, doc, fleet.home)
    assert empty.cli("kms", "list-keys")["Keys"] == []
    assert empty.cli("kms", "list-aliases")["Aliases"] == []
    assert peer.control("GET", "health")["seed"] == "none"
