"""Endpoint oracle for tests/sigv4_oracle.rs: resolves endpoints with botocore's rule sets.

Usage: endpoints_botocore.py CASES.json RESULTS.json

CASES.json is a list of {"service": "kms"|"sts"|"organizations", "region", "fips", "dual_stack",
"endpoint": str|null}. RESULTS.json gets, in the same order, {"url": str, "signing_region": str|null} or
{"error": str}.
STS is resolved the way botocore does by default (regional endpoints, UseGlobalEndpoint off).
"""

import json
import sys

import botocore
import botocore.loaders
from botocore.endpoint_provider import EndpointProvider


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: endpoints_botocore.py CASES.json RESULTS.json")
    loader = botocore.loaders.create_loader()
    partitions = loader.load_data("partitions")
    providers = {
        service: EndpointProvider(
            loader.load_service_model(service, "endpoint-rule-set-1"), partitions
        )
        for service in ("kms", "sts", "organizations")
    }
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    for case in cases:
        params = {
            "Region": case["region"],
            "UseFIPS": case["fips"],
            "UseDualStack": case["dual_stack"],
        }
        if case["service"] == "sts":
            params["UseGlobalEndpoint"] = False
        if case["endpoint"] is not None:
            params["Endpoint"] = case["endpoint"]
        try:
            endpoint = providers[case["service"]].resolve_endpoint(**params)
            schemes = endpoint.properties.get("authSchemes") or [{}]
            results.append({"url": endpoint.url, "signing_region": schemes[0].get("signingRegion")})
        except Exception as e:  # the rule set's error() rules raise
            results.append({"error": str(e)})
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({"botocore": botocore.__version__, "results": results}, f)


if __name__ == "__main__":
    main()
