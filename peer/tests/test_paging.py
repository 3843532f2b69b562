"""Real paging of ListKeys and ListAliases (docs/peer.md "Rotation, status and paging"), and
bulk seeding."""

from __future__ import annotations

import re
import time

from conftest import Fleet, Peer


def test_list_keys_pages_with_page_size_and_max_items(fleet: Fleet) -> None:
    one_page = fleet.kms_call("ListKeys", {"Limit": 1000}).json()
    assert one_page["Truncated"] is False and "NextMarker" not in one_page
    everything = [k["KeyId"] for k in one_page["Keys"]]
    paged = fleet.cli("kms", "list-keys", "--page-size", "5")
    assert [k["KeyId"] for k in paged["Keys"]] == everything
    first = fleet.cli("kms", "list-keys", "--max-items", "7")
    assert len(first["Keys"]) == 7 and first["NextToken"]
    rest = fleet.cli("kms", "list-keys", "--starting-token", first["NextToken"])
    assert [k["KeyId"] for k in first["Keys"] + rest["Keys"]] == everything
    # Default page size is 100 (docs/kms.md §2.2 ListKeys): one page for the demo fleet.
    default = fleet.kms_call("ListKeys", {}).json()
    assert len(default["Keys"]) == len(everything)


def test_list_aliases_pages_and_predefined_aliases(fleet: Fleet) -> None:
    paged = fleet.cli("kms", "list-aliases", "--page-size", "3")["Aliases"]
    names = [a["AliasName"] for a in paged]
    assert names == sorted(names) and len(names) == len(set(names))
    one = fleet.kms_call("ListAliases", {"Limit": 1000}).json()["Aliases"]
    assert [a["AliasName"] for a in one] == names
    first = fleet.kms_call("ListAliases", {"Limit": 4}).json()
    assert first["Truncated"] is True and len(first["Aliases"]) == 4
    by_name = {a["AliasName"]: a for a in paged}
    # Moto's 14 built-in `alias/aws/*` aliases pointing at no key are gone; the AWS managed keys
    # have real targets, and two predefined names have no key yet (no TargetKeyId).
    assert "alias/aws/acm" not in by_name
    assert by_name["alias/aws/s3"]["TargetKeyId"]
    assert "TargetKeyId" not in by_name["alias/aws/dynamodb"]
    for alias in paged:
        assert alias["AliasArn"] == f"arn:aws:kms:us-east-1:123456789012:{alias['AliasName']}"
        assert alias["CreationDate"] <= alias["LastUpdatedDate"] + 1


def test_bad_limits_and_markers(fleet: Fleet) -> None:
    for op in ("ListKeys", "ListAliases"):
        for limit in (0, 1001):
            reply = fleet.kms_call(op, {"Limit": limit})
            assert reply.status == 400 and reply.json()["__type"] == "ValidationException"
        reply = fleet.kms_call(op, {"Marker": "garbage!"})
        assert reply.status == 400 and reply.json()["__type"] == "InvalidMarkerException"
    alias_marker = fleet.kms_call("ListAliases", {"Limit": 2}).json()["NextMarker"]
    reply = fleet.kms_call("ListKeys", {"Marker": alias_marker})
    assert reply.json()["__type"] == "InvalidMarkerException"
    err = fleet.cli_error("kms", "list-keys", "--starting-token", "bm90LWEtbWFya2Vy")
    assert err.code in ("InvalidMarkerException", "CLI")


def test_bulk_seed_and_paging_through_a_thousand_keys(peer: Peer, fleet: Fleet) -> None:
    demo_keys = peer.control("GET", "health")["keys"]
    doc = peer.reset(bulk=1000)
    health = peer.control("GET", "health")
    print(f"\n--bulk 1000: {health['keys']} keys seeded in {health['seed_seconds']:.2f} s")
    # 1,000 bulk keys plus alias/bulk-history; fast enough to seed before every test that wants it.
    assert health["keys"] == demo_keys + 1001
    assert health["seed_seconds"] < 2
    fleet = Fleet(peer, doc, fleet.home)
    paged = fleet.cli("kms", "list-keys", "--page-size", "250")["Keys"]
    assert len(paged) == health["keys"] - 1  # the replica lives in us-west-2
    assert len({k["KeyId"] for k in paged}) == len(paged)
    aliases = fleet.kms().get_paginator("list_aliases").paginate(PaginationConfig={"PageSize": 100})
    names = [a["AliasName"] for page in aliases for a in page["Aliases"]]
    assert sum(1 for n in names if re.fullmatch(r"alias/bulk-\d{4}", n)) == 1000
    assert "alias/bulk-history" in names
    described = fleet.cli("kms", "describe-key", "--key-id", "alias/bulk-0999")["KeyMetadata"]
    assert described["Description"] == "Bulk key 999"
    assert described["KeySpec"] == "SYMMETRIC_DEFAULT"
    # One key with a history longer than a default ListKeyRotations page (100) and than the
    # console's history page (25): 88 AUTOMATIC every 90 days and 22 ON_DEMAND.
    key = fleet.key_id("alias/bulk-history")
    rows = fleet.cli("kms", "list-key-rotations", "--key-id", key)["Rotations"]  # follows pages
    assert len(rows) == 110
    assert sum(r["RotationType"] == "AUTOMATIC" for r in rows) == 88
    assert sum(r["RotationType"] == "ON_DEMAND" for r in rows) == 22
    dates = [r["RotationDate"] for r in rows]
    assert dates == sorted(dates) and dates[-1] < time.time()
    assert [r["KeyMaterialState"] for r in rows].count("CURRENT") == 1
    assert rows[-1]["KeyMaterialState"] == "CURRENT"
    first = fleet.kms_call("ListKeyRotations", {"KeyId": key}).json()
    assert len(first["Rotations"]) == 100 and first["Truncated"] is True
    rest = fleet.kms_call("ListKeyRotations", {"KeyId": key, "Marker": first["NextMarker"]}).json()
    assert rest["Truncated"] is False and "NextMarker" not in rest
    assert first["Rotations"] + rest["Rotations"] == rows
    pages = [page["Rotations"] for page in fleet.kms().get_paginator("list_key_rotations")
             .paginate(KeyId=key, PaginationConfig={"PageSize": 25})]
    assert [len(p) for p in pages] == [25, 25, 25, 25, 10]
    assert [r["KeyMaterialId"] for p in pages for r in p] == [r["KeyMaterialId"] for r in rows]
    status = fleet.kms_call("GetKeyRotationStatus", {"KeyId": key}).json()
    assert status["RotationPeriodInDays"] == 90
    assert abs(status["NextRotationDate"] - (time.time() + 60 * 86400)) < 120
