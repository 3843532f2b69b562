"""SigV4 oracle for tests/sigv4_oracle.rs: signs each request with botocore's own signer.

Usage: sigv4_botocore.py CASES.json RESULTS.json

CASES.json is a list of objects:
  {"id", "method", "url", "headers": [[name, value], ...], "body": str (UTF-8),
   "service", "region", "access_key_id", "secret_access_key", "session_token": str|null,
   "time": epoch seconds (int)}
RESULTS.json gets one object per case, same order:
  {"id", "authorization", "x_amz_date", "x_amz_security_token": str|null}

The request is built exactly as botocore builds one before signing (AWSRequest, no Host header)
and signed with botocore.auth.SigV4Auth; only the clock is pinned to the case's time.
"""

import datetime
import json
import sys
from unittest import mock

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    when = datetime.datetime.fromtimestamp(case["time"], datetime.timezone.utc)
    request = AWSRequest(
        method=case["method"],
        url=case["url"],
        data=case["body"].encode("utf-8"),
    )
    for name, value in case["headers"]:
        # HTTPHeaders item assignment appends, like a repeated header on the wire.
        request.headers[name] = value
    credentials = Credentials(
        case["access_key_id"], case["secret_access_key"], case["session_token"]
    )
    signer = botocore.auth.SigV4Auth(credentials, case["service"], case["region"])
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        signer.add_auth(request)
    return {
        "id": case["id"],
        "authorization": request.headers.get("Authorization"),
        "x_amz_date": request.headers.get("X-Amz-Date"),
        "x_amz_security_token": request.headers.get("X-Amz-Security-Token"),
    }


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: sigv4_botocore.py CASES.json RESULTS.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = [sign(case) for case in cases]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({"botocore": botocore.__version__, "results": results}, f)


if __name__ == "__main__":
    main()
