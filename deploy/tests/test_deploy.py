"""Checks of the hosting: the CloudFormation template (cfn-lint, pinned), the security headers of
scripts/csp.py against the template, the README, the console's endpoints and a build, the <meta>
policy of index.html, the local static server, and scripts/deploy.sh against the local peer's S3
(AWS CLI v1 from the venv). None needs a build: a Trunk-shaped stand-in (make_dist) is used, and
the one test of the real dist/ skips without it.

Run from the repository root: .venv/bin/python -m pytest -q deploy/tests
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import csp  # noqa: E402 - scripts/csp.py, found through the path set just above

TEMPLATE = REPO / "deploy" / "template.yaml"
VENV_BIN = Path(sys.executable).parent
AWS_CLI = VENV_BIN / "aws"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


# --- helpers -----------------------------------------------------------------------------------


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, ...) read as {"Fn::X": value}."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


@pytest.fixture(scope="module")
def template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass


def resources_of(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def one(template: dict, kind: str) -> dict:
    found = resources_of(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def make_dist(root: Path, public_url: str = "/", inline_script: str | None = None, with_meta: bool = True) -> Path:
    """A small stand-in for a Trunk build: the same file names, links and SRI, fake contents."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "keyturn-0123456789abcdef.js": b"export default async function init() {}\n",
        "keyturn-0123456789abcdef_bg.wasm": b"\x00asm\x01\x00\x00\x00",
        "boot-fedcba9876543210.js": b"// boot\n",
        "main-00aa11bb22cc33dd.css": b"body { margin: 0 }\n",
        "favicon-8f6ad73a85a9dc38.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "robots.txt").write_text("User-agent: *\n")
    u = public_url
    inline = f"<script type=\"module\">{inline_script}</script>" if inline_script is not None else ""
    # index.html's generated block, which Trunk copies through unchanged.
    meta = csp.meta_block(0) if with_meta else ""
    (root / "index.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">\n{meta}<title>keyturn</title>\n"
        f"<link rel=\"icon\" href=\"{u}favicon-8f6ad73a85a9dc38.svg\" integrity=\"{sri(files['favicon-8f6ad73a85a9dc38.svg'])}\"/>\n"
        f"<link rel=\"stylesheet\" href=\"{u}main-00aa11bb22cc33dd.css\" integrity=\"{sri(files['main-00aa11bb22cc33dd.css'])}\"/>\n"
        f"<script src=\"{u}boot-fedcba9876543210.js\" integrity=\"{sri(files['boot-fedcba9876543210.js'])}\" type=\"module\"></script>\n"
        f"<link rel=\"modulepreload\" href=\"{u}keyturn-0123456789abcdef.js\" crossorigin=\"anonymous\" integrity=\"{sri(files['keyturn-0123456789abcdef.js'])}\">"
        f"<link rel=\"preload\" href=\"{u}keyturn-0123456789abcdef_bg.wasm\" crossorigin=\"anonymous\" integrity=\"{sri(files['keyturn-0123456789abcdef_bg.wasm'])}\" as=\"fetch\" type=\"application/wasm\">"
        f"{inline}</head><body></body></html>\n"
    )
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} in 20 s")


def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any AWS_* setting (no real credentials leak in)."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **(extra or {})}


def run_deploy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "scripts" / "deploy.sh"), *args], cwd=REPO,
                          env=clean_env(env), capture_output=True, text=True, timeout=300)


# --- the template ------------------------------------------------------------------------------


def test_cfn_lint_pinned_and_clean() -> None:
    pin = re.search(r"^cfn-lint==(\S+)$", (REPO / "peer" / "requirements.txt").read_text(), re.M)
    assert pin, "cfn-lint is not pinned in peer/requirements.txt"
    version = subprocess.run([VENV_BIN / "cfn-lint", "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.split() == ["cfn-lint", pin.group(1)], "the venv's cfn-lint is not the pinned one: run scripts/install.sh"
    lint = subprocess.run([VENV_BIN / "cfn-lint", "--include-checks", "I", "--", str(TEMPLATE)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_template_headers_are_generated_by_csp_py(template: dict) -> None:
    assert csp.template_is_current(), "run: python3 scripts/csp.py cloudformation --write"
    config = one(template, "AWS::CloudFront::ResponseHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    sent = dict(csp.headers())
    assert security["ContentSecurityPolicy"]["ContentSecurityPolicy"] == sent["Content-Security-Policy"]
    hsts = security["StrictTransportSecurity"]
    rendered = f"max-age={hsts['AccessControlMaxAgeSec']}" + "; includeSubDomains" * hsts["IncludeSubdomains"] + "; preload" * hsts["Preload"]
    assert rendered == sent["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert security["FrameOptions"]["FrameOption"] == sent["X-Frame-Options"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == sent["Referrer-Policy"] == "no-referrer"
    assert "ContentTypeOptions" in security and sent["X-Content-Type-Options"] == "nosniff"
    custom = {h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]}
    assert custom == dict(csp.custom_headers())
    # Every header the local server sends is in the template, and nothing else.
    template_names = {"Content-Security-Policy", "Strict-Transport-Security", "X-Frame-Options",
                      "Referrer-Policy", "X-Content-Type-Options", *custom}
    assert template_names == set(sent)
    overrides = [v["Override"] for v in security.values()] + [h["Override"] for h in config["CustomHeadersConfig"]["Items"]]
    assert all(overrides), "every header must override whatever the origin sends"


def test_readme_lists_the_generated_headers() -> None:
    assert csp.block_is_current(csp.README, csp.DOCS_BEGIN, csp.DOCS_END, csp.docs_block), \
        "run: python3 scripts/csp.py docs --write"
    readme = csp.README.read_text()
    for name, value in csp.headers():
        assert f"{name}: {value}" in readme


def test_bucket_is_private_encrypted_versioned(template: dict) -> None:
    bucket = one(template, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "WebsiteConfiguration" not in props, "the bucket must not be a public website endpoint"
    assert bucket["DeletionPolicy"] == "Retain"


def test_bucket_policy_allows_only_this_distribution_and_tls(template: dict) -> None:
    statements = one(template, "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    allow = allows[0]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source_arn = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source_arn.endswith(":distribution/${Distribution}")
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert any(s["Principal"] == "*" and s["Action"] == "s3:*"
               and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and len(s["Resource"]) == 2
               for s in denies)
    oac = one(template, "AWS::CloudFront::OriginAccessControl")["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == ("s3", "always", "sigv4")


def test_distribution_https_http3_compression_caching_headers_fallback(template: dict) -> None:
    config = one(template, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    assert config["HttpVersion"] == "http2and3"
    assert config["DefaultRootObject"] == "index.html"
    [origin] = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": "OriginAccessControl.Id"}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origin["DomainName"] == {"Fn::GetAtt": "SiteBucket.RegionalDomainName"}
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["Compress"] is True
    assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
    assert behavior["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": "SpaRewriteFunction.FunctionARN"}}]
    assert "CacheBehaviors" not in config, "one behaviour: routes and / share the /index.html cache key"
    assert "CustomErrorResponses" not in config, "deep links use the function, not error mapping"


def test_custom_domain_is_optional_and_both_or_neither(template: dict) -> None:
    params = template["Parameters"]
    assert params["DomainName"]["Default"] == "" and params["CertificateArn"]["Default"] == ""
    assert re.fullmatch(params["CertificateArn"]["AllowedPattern"], "arn:aws:acm:us-east-1:111122223333:certificate/12345678-1234-1234-1234-123456789012")
    assert not re.fullmatch(params["CertificateArn"]["AllowedPattern"], "arn:aws:acm:eu-west-1:111122223333:certificate/12345678-1234-1234-1234-123456789012")
    assert re.fullmatch(params["DomainName"]["AllowedPattern"], "keyturn.example.com")
    assert not re.fullmatch(params["DomainName"]["AllowedPattern"], "https://keyturn.example.com")
    assert set(template["Rules"]) == {"DomainNeedsCertificate", "CertificateNeedsDomain"}
    config = one(template, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    aliases = config["Aliases"]["Fn::If"]
    assert aliases[0] == "HasCustomDomain" and aliases[1] == [{"Ref": "DomainName"}] and aliases[2] == {"Ref": "AWS::NoValue"}
    cert = config["ViewerCertificate"]["Fn::If"]
    assert cert[0] == "HasCustomDomain"
    assert cert[1] == {"AcmCertificateArn": {"Ref": "CertificateArn"}, "SslSupportMethod": "sni-only",
                       "MinimumProtocolVersion": "TLSv1.2_2021"}
    assert cert[2] == {"CloudFrontDefaultCertificate": True}
    assert {"BucketName", "DistributionId", "URL"} <= set(template["Outputs"])


def test_spa_function_rewrites_app_routes_only(template: dict, tmp_path: Path) -> None:
    function = one(template, "AWS::CloudFront::Function")["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["AutoPublish"] is True
    cases = {
        "/": "/index.html",
        "/index.html": "/index.html",
        "/keys": "/index.html",
        "/keys/us-east-1/1234abcd-12ab-34cd-56ef-1234567890ab": "/index.html",
        "/keys/us-east-1/": "/index.html",
        "/keyturn-0123456789abcdef_bg.wasm": "/keyturn-0123456789abcdef_bg.wasm",
        "/main-00aa11bb22cc33dd.css": "/main-00aa11bb22cc33dd.css",
        "/snippets/x-1/inline0.js": "/snippets/x-1/inline0.js",
        "/v1.2/keys": "/index.html",  # a dot in a directory, not in the last segment
        "/missing.js": "/missing.js",  # stays a 403 from S3, not HTML with 200
    }
    script = tmp_path / "run.js"
    script.write_text(function["FunctionCode"] + "\nconst cases = " + json.dumps(list(cases)) + ";\n"
                      "console.log(JSON.stringify(cases.map((uri) => handler({request: {uri, method: 'GET', headers: {}}}).uri)));\n")
    node = shutil.which("node")
    assert node, "node is needed to run the CloudFront Function's code"
    out = subprocess.run([node, str(script)], capture_output=True, text=True, check=True)
    assert dict(zip(cases, json.loads(out.stdout))) == cases


# --- the policy --------------------------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = values
    return parsed


def test_policy_directives_are_strict() -> None:
    d = directives(csp.csp())
    assert d["default-src"] == ["'none'"]
    assert d["script-src"] == ["'self'", "'wasm-unsafe-eval'"], "no hash: the build has no inline script"
    assert d["style-src"] == ["'self'"]
    assert d["img-src"] == ["'self'"]
    for name in ("base-uri", "form-action", "object-src", "frame-ancestors"):
        assert d[name] == ["'none'"], name
    assert "font-src" not in d, "fonts fall under default-src 'none'"
    everything = " ".join(v for values in d.values() for v in values)
    for forbidden in ("'unsafe-inline'", "'unsafe-eval'", "data:", "http:", "https:", "blob:"):
        assert forbidden not in everything.split(), forbidden
    for source in d["connect-src"][1:]:
        assert re.fullmatch(r"https://\*\.[a-z0-9.-]+", source), f"{source}: wildcard only as the leftmost label"
    assert len(csp.csp()) <= csp.CLOUDFRONT_CSP_MAX


def test_partitions_come_from_endpoint_rs(tmp_path: Path) -> None:
    parts = csp.partitions()
    assert [p.id for p in parts] == ["aws", "aws-cn", "aws-us-gov", "aws-eusc", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"]
    assert sum(len(p.regions) for p in parts) == 48
    assert "us-east-1" in parts[0].regions and parts[1].dns_suffix == "amazonaws.com.cn"
    # One source: a suffix changed in endpoint.rs changes the policy.
    changed = tmp_path / "endpoint.rs"
    changed.write_text(csp.ENDPOINT_RS.read_text().replace('dual_stack_dns_suffix: "api.aws.scloud"',
                                                          'dual_stack_dns_suffix: "api.example.test"'))
    assert "https://*.api.example.test" in csp.aws_connect_sources(csp.partitions(changed))
    broken = tmp_path / "broken.rs"
    broken.write_text("pub fn nothing() {}\n")
    with pytest.raises(csp.CspError):
        csp.partitions(broken)


def test_every_console_endpoint_is_allowed_and_nothing_else() -> None:
    policy = csp.csp()
    urls = csp.endpoint_urls()
    # 48 regions x {kms, kms-fips, sts, sts-fips} x 2 suffixes, less GovCloud's two sts-fips hosts
    # (resolve() sends STS FIPS there to sts., which is a FIPS endpoint).
    # KMS/STS: 48 regions x 4 prefixes x 2 suffixes, less GovCloud's 2 plain-FIPS STS hosts;
    # Organizations: 30 (one home Region per partition, plain + FIPS x 2 suffixes, GovCloud plain).
    assert len(urls) == len(set(urls)) == 48 * 4 * 2 - 2 + 30
    blocked = [u for u in urls if not csp.connect_allows(policy, u)]
    assert blocked == []
    for url in (
        "https://kms-fips.us-gov-west-1.amazonaws.com/",
        "https://sts.cn-north-1.api.amazonwebservices.com.cn/",
        "https://vpce-0123456789abcdef0-abcdefgh.kms.us-east-1.vpce.amazonaws.com/",
    ):
        assert csp.connect_allows(policy, url), url
    for url in (
        "https://evil.example.com/",
        "http://kms.us-east-1.amazonaws.com/",  # plain http
        "https://kms.us-east-1.amazonaws.com.evil.net/",
        "https://amazonaws.com.evil.net/",
        "https://kms.us-east-1.amazonaws.com:8443/",
        "http://127.0.0.1:4599/",  # the peer only in a local build
    ):
        assert not csp.connect_allows(policy, url), url


def test_local_peer_is_added_only_when_asked() -> None:
    local = csp.csp(local_peers=("http://127.0.0.1:4599/",))
    assert csp.connect_allows(local, "http://127.0.0.1:4599/")
    assert not csp.connect_allows(local, "http://127.0.0.1:4600/")
    assert directives(local)["connect-src"][-1] == "http://127.0.0.1:4599"
    assert local.replace(" http://127.0.0.1:4599", "") == csp.csp()
    for bad in ("ftp://127.0.0.1:21", "http://127.0.0.1:4599/path", "127.0.0.1:4599", "http://a b"):
        with pytest.raises(csp.CspError):
            csp.csp(local_peers=(bad,))


# --- the <meta> policy (exact hosts) -------------------------------------------------------------


def run_csp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "csp.py"), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_endpoints_are_exactly_what_the_resolver_builds(tmp_path: Path) -> None:
    """`csp.py endpoints` against botocore's rule sets, for every listed region x service x FIPS x
    dual-stack: tests/sigv4_oracle.rs checks resolve() against the same oracle for the same
    configurations, so the list is what the console's resolver can produce, no more, no less."""
    cases = [{"service": service, "region": region, "fips": fips, "dual_stack": dual, "endpoint": None}
             for p in csp.partitions() for region in p.regions for service in ("kms", "sts", "organizations")
             for fips in (False, True) for dual in (False, True)]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    subprocess.run([sys.executable, str(REPO / "tests" / "oracle" / "endpoints_botocore.py"),
                    str(tmp_path / "cases.json"), str(tmp_path / "results.json")], check=True, timeout=120)
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    assert [r for r in results if "url" not in r] == [], "every listed region resolves"
    botocore_urls = {r["url"].rstrip("/") + "/" for r in results}
    assert set(csp.endpoint_urls()) == botocore_urls
    listed = run_csp("endpoints")
    assert listed.returncode == 0 and listed.stdout.split() == csp.endpoint_urls()


def test_govcloud_sts_fips_rule_is_read_from_endpoint_rs(tmp_path: Path) -> None:
    assert csp.plain_sts_fips_partitions() == {"aws-us-gov"}
    assert "https://sts-fips.us-gov-west-1.amazonaws.com/" not in csp.endpoint_urls()
    assert "https://sts-fips.us-gov-west-1.api.aws/" in csp.endpoint_urls()  # dual-stack keeps it
    # Without the rule, every sts-fips host is listed again (a superset: nothing the console needs
    # is ever left out, and the botocore test above flags the difference).
    changed = tmp_path / "endpoint.rs"
    changed.write_text(csp.ENDPOINT_RS.read_text().replace('if partition.id == "aws-us-gov"', 'if false'))
    assert csp.plain_sts_fips_partitions(changed) == frozenset()
    organizations = 2 * (2 * len(csp.partitions()) - 1)  # per suffix: plain + FIPS, GovCloud plain only
    assert len(csp.endpoint_urls(plain_sts_fips=csp.plain_sts_fips_partitions(changed))) == 48 * 4 * 2 + organizations


def test_meta_policy_is_connect_src_with_every_endpoint_and_no_wildcard() -> None:
    policy = csp.meta_csp()
    d = directives(policy)
    assert list(d) == ["connect-src"], "a <meta> policy ignores frame-ancestors, report-uri, sandbox"
    sources = d["connect-src"]
    assert sources == ["'self'", *[u.rstrip("/") for u in csp.endpoint_urls()]]
    assert len(sources) == len(set(sources)) == 1 + 412
    for source in sources[1:]:
        assert re.fullmatch(r"https://(kms|kms-fips|sts|sts-fips|organizations|organizations-fips)\.[a-z0-9-]+\.[a-z0-9.-]+", source), source
        assert "*" not in source
    header = csp.csp()
    for url in csp.endpoint_urls():
        assert csp.connect_allows(policy, url) and csp.connect_allows(header, url), url
    # What the header's wildcards let through and the exact hosts do not.
    for url in (
        "https://evil-bucket.s3.amazonaws.com/",
        "https://abcdef1234.execute-api.us-east-1.amazonaws.com/",
        "https://my-alb-1234.us-east-1.elb.amazonaws.com/",
        "https://kms.us-east-1.amazonaws.com.s3.amazonaws.com/",
        # A KMS VPC endpoint as a custom endpoint URL: needs an origin added (as --local-peer does).
        "https://vpce-0123456789abcdef0-abcdefgh.kms.us-east-1.vpce.amazonaws.com/",
        "https://sts-fips.us-gov-west-1.amazonaws.com/",  # resolve() never builds it
    ):
        assert csp.connect_allows(header, url) and not csp.connect_allows(policy, url), url
    for url in ("http://kms.us-east-1.amazonaws.com/", "https://kms.us-east-1.amazonaws.com:8443/",
                "https://evil.example.com/", "http://127.0.0.1:4599/"):
        assert not csp.connect_allows(policy, url), url


def test_meta_tag_and_its_size() -> None:
    tag = csp.meta_tag()
    assert tag == f'<meta http-equiv="Content-Security-Policy" content="{csp.meta_csp()}">'
    page = csp.read_page(f"<html><head>{tag}</head></html>")
    assert page.meta_policies == [(csp.meta_csp(), True, 0)], "the attribute round-trips through an HTML parser"
    size = len(tag.encode())
    # deploy/README.md says "about 15 KB".
    assert 16_000 < size < 18_000, f"{size} bytes: the endpoint list changed a lot, update deploy/README.md"


def test_index_html_carries_the_generated_meta_first_in_head() -> None:
    assert csp.block_is_current(csp.INDEX_HTML, csp.META_BEGIN, csp.META_END, csp.meta_block), \
        "run: python3 scripts/csp.py meta --write"
    checked = run_csp("meta", "--check")
    assert checked.returncode == 0, checked.stderr
    assert f"(meta tag {len(csp.meta_tag().encode())} bytes, 412 endpoints)" in checked.stdout
    source = csp.INDEX_HTML.read_text()
    page = csp.read_page(source)
    assert page.meta_policies == [(csp.meta_csp(), True, 0)]
    # The first element after <meta charset>: nothing is fetched before the policy applies.
    head = re.sub(r"<!--.*?-->", "", source, flags=re.S).split("<head>", 1)[1]
    assert re.findall(r"<[a-zA-Z]+[^>]*>", head)[:2] == ['<meta charset="utf-8">', csp.meta_tag()]
    assert csp.meta_problems(page) == []


def test_meta_check_and_write_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "index.html"
    stale.write_text(csp.INDEX_HTML.read_text().replace("https://kms.eu-west-1.amazonaws.com ", ""))
    checked = run_csp("meta", "--check", "--file", str(stale))
    assert checked.returncode == 1 and "csp.py meta --write" in checked.stderr
    written = run_csp("meta", "--write", "--file", str(stale))
    assert written.returncode == 0 and "updated (meta tag" in written.stdout
    assert stale.read_text() == csp.INDEX_HTML.read_text()
    assert "already current" in run_csp("meta", "--write", "--file", str(stale)).stdout
    printed = run_csp("meta")
    assert printed.stdout == csp.meta_block(0)
    assert run_csp("meta-csp").stdout.strip() == csp.meta_csp()


def test_local_peers_are_added_to_the_meta_policy_only(tmp_path: Path) -> None:
    dist = make_dist(tmp_path / "dist")
    built = (dist / "index.html").read_text()
    peers = ("http://127.0.0.1:4599/", "http://localhost:4599")
    local = csp.with_local_peers(built, peers)
    assert local == built.replace(csp.meta_tag(), csp.meta_tag(peers))
    assert local != built and len(csp.read_page(local).meta_policies) == 1
    policy = csp.read_page(local).meta_policies[0][0]
    assert policy == csp.meta_csp() + " http://127.0.0.1:4599 http://localhost:4599"
    assert csp.connect_allows(policy, "http://localhost:4599/") and not csp.connect_allows(policy, "http://localhost:4600/")
    assert csp.with_local_peers(built, ()) == built
    # The same through the command line (deploy.sh --local-peer).
    out = run_csp("local-index", "--dist", str(dist), "--local-peer", peers[0], "--local-peer", peers[1])
    assert out.returncode == 0 and out.stdout == local
    assert (dist / "index.html").read_text() == built, "the build itself is left alone"
    # Only the tag changed: index.html carries no integrity of its own, and the SRI of every file
    # it loads still matches (csp.py check flags the peer's policy, as it should for a deploy).
    rewritten = make_dist(tmp_path / "rewritten")
    (rewritten / "index.html").write_text(local)
    assert [p for p in csp.check_dist(rewritten) if "stale build" not in p] == []
    assert len(csp.check_dist(rewritten)) == 1
    # Refused: no policy, two, a stale one, a peer that is not an origin.
    for page, message in (
        ((make_dist(tmp_path / "none", with_meta=False) / "index.html").read_text(), "expected 1"),
        (built.replace("<title>", csp.meta_tag() + "<title>"), "expected 1"),
        (built.replace("<title>", '<meta http-equiv="content-security-policy" content="connect-src *"><title>'), "expected 1"),
        (built.replace(csp.meta_tag(), csp.meta_tag(("http://127.0.0.1:1",))), "differs"),
    ):
        with pytest.raises(csp.CspError, match=message):
            csp.with_local_peers(page, peers)
    with pytest.raises(csp.CspError):
        csp.with_local_peers(built, ("http://127.0.0.1:4599/path",))


def test_check_wants_the_current_meta_policy_first_in_head(tmp_path: Path) -> None:
    def problems_of(transform) -> str:  # noqa: ANN001
        dist = make_dist(tmp_path / f"d{len(list(tmp_path.iterdir()))}")
        index = dist / "index.html"
        index.write_text(transform(index.read_text()))
        return "\n".join(csp.check_dist(dist))

    assert problems_of(lambda t: t) == ""
    assert "no <meta http-equiv" in problems_of(lambda t: t.replace(csp.meta_tag(), ""))
    assert "stale build" in problems_of(lambda t: t.replace(csp.meta_tag(), csp.meta_tag(("http://127.0.0.1:4599",))))
    assert "2 <meta>" in problems_of(lambda t: t.replace("<title>", csp.meta_tag() + "<title>"))
    moved = problems_of(lambda t: t.replace(csp.meta_tag(), "").replace("</head>", csp.meta_tag() + "</head>"))
    assert "comes after 5 element(s) that fetch" in moved
    assert "not in <head>" in problems_of(lambda t: t.replace(csp.meta_tag(), "").replace("<body>", "<body>" + csp.meta_tag()))


# --- Trusted Types (prepared, report-only, off) ---------------------------------------------------


def test_trusted_types_report_only_is_off_and_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "Content-Security-Policy-Report-Only"
    assert csp.TRUSTED_TYPES_REPORT_ONLY is False, "on: also regenerate the template and README, and update this test"
    assert name not in dict(csp.headers())
    on = dict(csp.headers(trusted_types_report_only=True))
    assert on[name] == "require-trusted-types-for 'script'; trusted-types 'none'"
    assert directives(on[name]) == {"require-trusted-types-for": ["'script'"], "trusted-types": ["'none'"]}
    assert on["Content-Security-Policy"] == csp.csp(), "the enforced policy is the same"
    out = run_csp("headers", "--trusted-types-report-only")
    assert f"{name}: {csp.TRUSTED_TYPES_POLICY}" in out.stdout.splitlines()
    # Switched on in csp.py, it goes everywhere the other headers go: CloudFront's custom headers
    # (a report-only policy cannot be a <meta>), the README and the static server.
    monkeypatch.setattr(csp, "TRUSTED_TYPES_REPORT_ONLY", True)
    assert dict(csp.headers())[name] == csp.TRUSTED_TYPES_POLICY
    block = yaml.safe_load(csp.cloudformation_block(0).replace(csp.BEGIN, "").replace(csp.END, ""))
    items = {h["Header"]: h["Value"] for h in block["CustomHeadersConfig"]["Items"]}
    assert items[name] == csp.TRUSTED_TYPES_POLICY
    assert f"{name}: {csp.TRUSTED_TYPES_POLICY}" in csp.docs_block()


def test_inline_script_hashes_are_computed_from_the_build(tmp_path: Path) -> None:
    code = "\nimport init from '/keyturn-0123456789abcdef.js';\nawait init();\n"
    dist = make_dist(tmp_path / "dist", inline_script=code)
    want = "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
    assert directives(csp.csp(dist))["script-src"] == ["'self'", "'wasm-unsafe-eval'", want]
    out = subprocess.run([sys.executable, REPO / "scripts" / "csp.py", "headers", "--dist", dist,
                          "--local-peer", "http://127.0.0.1:4599"], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [name for name, _ in csp.headers()]
    assert want in lines[0] and "http://127.0.0.1:4599" in lines[0]
    # The hosted policy has no hash, so such a build must not be deployed.
    assert any("inline <script>" in p for p in csp.check_dist(dist))


def test_check_accepts_a_trunk_shaped_build_and_names_each_problem(tmp_path: Path) -> None:
    good = make_dist(tmp_path / "good")
    assert csp.check_dist(good, "/") == []
    assert any("public URL" in p for p in csp.check_dist(good, "./"))
    assert csp.check_dist(make_dist(tmp_path / "rel", "./"), "./") == []

    bad = make_dist(tmp_path / "bad")
    (bad / "keyturn-0123456789abcdef_bg.wasm").write_bytes(b"\x00asm\x01\x00\x00\x00tampered")
    index = (bad / "index.html").read_text()
    index = re.sub(r'(main-00aa11bb22cc33dd.css") integrity="[^"]+"', r"\1", index)
    index = index.replace("<body>", "<body><div style=\"color:red\" onclick=\"x()\"></div><style>p{}</style>")
    (bad / "index.html").write_text(index)
    problems = "\n".join(csp.check_dist(bad))
    for expected in ("integrity does not match", "main-00aa11bb22cc33dd.css has no integrity",
                     "onclick", "style attributes", "inline <style>"):
        assert expected in problems
    assert csp.check_dist(tmp_path / "none") == [f"{tmp_path / 'none' / 'index.html'} is missing: build first (trunk build --release)"]


def test_upload_plan_marks_only_referenced_hashed_files_immutable(tmp_path: Path) -> None:
    dist = make_dist(tmp_path / "dist")
    (dist / "unreferenced-0123456789abcdef.js").write_text("//\n")
    plan = {rel: (cc, ct) for cc, ct, rel in csp.upload_plan(dist)}
    assert plan["index.html"] == ("no-cache", "text/html; charset=utf-8")
    assert plan["keyturn-0123456789abcdef_bg.wasm"] == (csp.IMMUTABLE, "application/wasm")
    assert plan["keyturn-0123456789abcdef.js"][0] == csp.IMMUTABLE
    assert plan["main-00aa11bb22cc33dd.css"] == (csp.IMMUTABLE, "text/css; charset=utf-8")
    assert plan["robots.txt"][0] == "no-cache"
    assert plan["unreferenced-0123456789abcdef.js"][0] == "no-cache"
    assert csp.IMMUTABLE == "public, max-age=31536000, immutable"


def test_the_real_build_runs_under_the_hosted_policy() -> None:
    dist = Path(os.environ.get("KEYTURN_DIST", REPO / "dist"))
    if not (dist / "index.html").is_file():
        pytest.skip(f"no build in {dist} (trunk build --release)")
    assert csp.check_dist(dist) == []
    page = csp.read_page((dist / "index.html").read_text())
    assert page.inline_scripts == [], 'Trunk.toml must keep pattern_script = ""'
    assert any(url.split("/")[-1].startswith("boot-") for tag, _, url, _ in page.resources if tag == "script")


def test_trunk_config_keeps_no_inline_script_and_sri() -> None:
    trunk = (REPO / "Trunk.toml").read_text()
    assert re.search(r'^pattern_script = ""$', trunk, re.M)
    assert "no_sri" not in trunk
    index = (REPO / "index.html").read_text()
    assert '<script data-trunk src="js/boot.js" type="module"></script>' in index
    assert "data-integrity=\"none\"" not in index


# --- the local static server -------------------------------------------------------------------


@pytest.fixture
def static_server(tmp_path: Path):
    processes = []

    def start(*args: str) -> int:
        port = free_port()
        process = subprocess.Popen([sys.executable, REPO / "scripts" / "static_server.py", "--port", str(port), *args],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(process)
        wait_for_port(port, process, "static_server.py")
        return port

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_static_server_sends_the_generated_headers(tmp_path: Path, static_server) -> None:
    dist = make_dist(tmp_path / "dist")
    peer = "http://127.0.0.1:4599"
    port = static_server("--root", str(dist), "--security-headers", "--local-peer", peer, "--header", "X-Test: 1")
    for path in ("/", "/index.html", "/keys/us-east-1/1234abcd", "/keyturn-0123456789abcdef_bg.wasm"):
        status, headers, _ = get(port, path)
        assert status == 200, path
        for name, value in csp.headers(dist, (peer,)):
            assert headers[name.lower()] == value, (path, name)
        assert headers["x-test"] == "1"
    # index.html, under every name, with the peer in its <meta> policy too; other files as they are.
    local = csp.with_local_peers((dist / "index.html").read_text(), (peer,)).encode()
    for path in ("/", "/index.html", "/index.html?x=1", "/keys/us-east-1/1234abcd"):
        status, headers, body = get(port, path)
        assert (status, body) == (200, local), path
        assert headers["content-length"] == str(len(local)) and headers["content-type"].startswith("text/html")
        assert headers["cache-control"] == "no-cache"
    status, headers, body = get(port, "/", method="HEAD")
    assert (status, body, headers["content-length"]) == (200, b"", str(len(local)))
    assert get(port, "/robots.txt")[2] == (dist / "robots.txt").read_bytes()
    assert get(port, "/keyturn-0123456789abcdef_bg.wasm")[1]["content-type"] == "application/wasm"
    assert get(port, "/missing-0123456789abcdef.js")[0] == 404
    assert "content-security-policy-report-only" not in get(port, "/")[1]


def test_static_server_without_a_peer_serves_index_html_unchanged(tmp_path: Path, static_server) -> None:
    dist = make_dist(tmp_path / "dist")
    port = static_server("--root", str(dist), "--security-headers", "--trusted-types-report-only")
    for path in ("/", "/keys/us-east-1/1234abcd"):
        status, headers, body = get(port, path)
        assert (status, body) == (200, (dist / "index.html").read_bytes()), path
        assert headers["content-security-policy"] == csp.csp(dist)
        assert headers["content-security-policy-report-only"] == csp.TRUSTED_TYPES_POLICY


def test_static_server_refuses_a_peer_for_a_build_without_the_meta_policy(tmp_path: Path) -> None:
    dist = make_dist(tmp_path / "dist", with_meta=False)
    refused = subprocess.run([sys.executable, REPO / "scripts" / "static_server.py", "--root", str(dist), "--port", "0",
                              "--security-headers", "--local-peer", "http://127.0.0.1:4599"],
                             capture_output=True, text=True, timeout=20)
    assert refused.returncode == 2 and "0 <meta> Content-Security-Policy tags" in refused.stderr
    refused = subprocess.run([sys.executable, REPO / "scripts" / "static_server.py", "--root", str(dist),
                              "--trusted-types-report-only"], capture_output=True, text=True, timeout=20)
    assert refused.returncode == 2 and "needs --security-headers" in refused.stderr


def test_static_server_without_flags_is_unchanged(tmp_path: Path, static_server) -> None:
    dist = make_dist(tmp_path / "dist")
    port = static_server("--root", str(dist), "--header", "Content-Security-Policy: default-src 'self'")
    _, headers, _ = get(port, "/")
    assert headers["content-security-policy"] == "default-src 'self'"
    assert "strict-transport-security" not in headers
    refused = subprocess.run([sys.executable, REPO / "scripts" / "static_server.py", "--root", str(dist),
                              "--local-peer", "http://127.0.0.1:4599"], capture_output=True, text=True, timeout=20)
    assert refused.returncode == 2 and "--local-peer needs --security-headers" in refused.stderr


# --- scripts/deploy.sh -------------------------------------------------------------------------


def fake_aws(tmp_path: Path) -> tuple[Path, Path]:
    """An `aws` that records its arguments (one JSON list per line) and succeeds."""
    log = tmp_path / "aws-calls.jsonl"
    stub = tmp_path / "aws"
    stub.write_text(f"#!{sys.executable}\nimport json, sys\n"
                    f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    stub.chmod(0o755)
    return stub, log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_deploy_uploads_assets_then_index_then_invalidates_index_only(tmp_path: Path) -> None:
    stub, log = fake_aws(tmp_path)
    dist = make_dist(tmp_path / "dist", "/")
    result = run_deploy("--bucket", "keyturn-site", "--distribution-id", "E2EXAMPLE", "--skip-build",
                        "--dist", str(dist), env={"KEYTURN_AWS_CLI": str(stub)})
    assert result.returncode == 0, result.stdout + result.stderr
    made = calls(log)
    s3 = [c for c in made if c[0] == "s3"]
    assert made[-1] == ["cloudfront", "create-invalidation", "--distribution-id", "E2EXAMPLE", "--paths", "/index.html"]
    assert s3[-1][:4] == ["s3", "cp", f"{dist}/index.html", "s3://keyturn-site/index.html"]
    assert s3[-1][s3[-1].index("--cache-control") + 1] == "no-cache"
    uploaded = {}
    for call in s3[:-1]:
        opts = dict(zip(call, call[1:]))
        names = [call[i + 1] for i, a in enumerate(call) if a == "--include"] if call[1] == "sync" else [Path(call[2]).name]
        for name in names:
            uploaded[name] = (call[1], opts["--cache-control"], opts["--content-type"])
        assert "--acl" not in call and "--endpoint-url" not in call
    assert uploaded == {
        "keyturn-0123456789abcdef_bg.wasm": ("sync", csp.IMMUTABLE, "application/wasm"),
        "keyturn-0123456789abcdef.js": ("sync", csp.IMMUTABLE, "text/javascript; charset=utf-8"),
        "boot-fedcba9876543210.js": ("sync", csp.IMMUTABLE, "text/javascript; charset=utf-8"),
        "main-00aa11bb22cc33dd.css": ("sync", csp.IMMUTABLE, "text/css; charset=utf-8"),
        "favicon-8f6ad73a85a9dc38.svg": ("sync", csp.IMMUTABLE, "image/svg+xml"),
        "robots.txt": ("cp", "no-cache", "text/plain; charset=utf-8"),
    }


def test_deploy_adds_a_vpc_endpoint_to_the_uploaded_meta_policy_only(tmp_path: Path) -> None:
    """A KMS VPC endpoint is not in the exact-host list: --connect-origin adds it to the uploaded
    index.html's <meta> policy; the build itself and every other file stay as they are."""
    stub, log = fake_aws(tmp_path)
    uploaded = tmp_path / "uploaded-index.html"
    # The upload's source is a temporary file deploy.sh removes afterwards: keep what it held.
    stub.write_text(stub.read_text() + "import shutil\n"
                    "if sys.argv[1:2] == ['s3'] and sys.argv[2:3] == ['cp'] and sys.argv[4].endswith('/index.html'):\n"
                    f"    shutil.copy(sys.argv[3], {str(uploaded)!r})\n")
    dist = make_dist(tmp_path / "dist", "/")
    built = (dist / "index.html").read_text()
    vpce = "https://vpce-0123456789abcdef0-abcdefgh.kms.eu-west-1.vpce.amazonaws.com"
    env = {"KEYTURN_AWS_CLI": str(stub)}
    result = run_deploy("--bucket", "keyturn-site", "--skip-build", "--dist", str(dist), "--connect-origin", vpce, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (dist / "index.html").read_text() == built, "the build was changed"
    last = [c for c in calls(log) if c[0] == "s3"][-1]
    assert last[1] == "cp" and last[3] == "s3://keyturn-site/index.html"
    sent = uploaded.read_text()
    assert csp.with_local_peers(built, (vpce,)) == sent
    assert vpce in sent and vpce not in built
    # Only https origins.
    bad = run_deploy("--bucket", "keyturn-site", "--skip-build", "--dist", str(dist), "--connect-origin",
                     "http://vpce.example", env=env)
    assert bad.returncode != 0 and "https://" in bad.stderr


def test_deploy_refuses_bad_input_before_uploading(tmp_path: Path) -> None:
    stub, log = fake_aws(tmp_path)
    env = {"KEYTURN_AWS_CLI": str(stub)}
    dist = make_dist(tmp_path / "dist", "/")
    cases = [
        ((), "--bucket is required"),
        (("--bucket", "Not_A_Bucket"), "not an S3 bucket name"),
        (("--bucket", "b-1", "--public-read", "--skip-build", "--dist", str(dist)), "--public-read is only for the local peer"),
        # A path-style bucket URL needs a ./ build; this one is built for /.
        (("--bucket", "b-1", "--endpoint-url", "http://127.0.0.1:1", "--skip-build", "--dist", str(dist)), "public URL './'"),
        (("--bucket", "b-1", "--skip-build", "--dist", str(make_dist(tmp_path / "inline", "/", "alert(1)"))), "inline <script>"),
        (("--bucket", "b-1", "--frobnicate"), "unknown argument"),
        (("--bucket", "b-1", "--local-peer", "http://127.0.0.1:4599", "--skip-build", "--dist", str(dist)),
         "--local-peer is only for the local peer's S3"),
        # A build whose <meta> policy the peer cannot be added to (here: none at all).
        (("--bucket", "b-1", "--endpoint-url", "http://127.0.0.1:1", "--local-peer", "http://127.0.0.1:1", "--skip-build",
          "--dist", str(make_dist(tmp_path / "nometa", "./", with_meta=False))), "no <meta http-equiv"),
    ]
    for args, message in cases:
        result = run_deploy(*args, env=env)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
    assert calls(log) == [], "nothing may be uploaded after a refusal"


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    """The local peer (S3 on), with the IAM user's keys for the AWS CLI."""
    state = tmp_path_factory.mktemp("peer")
    port = free_port()
    log = open(state / "peer.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "peer.keyturn_peer", "--port", str(port), "--state-dir",
                                str(state / "state"), "--seed", "none"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not (state / "state" / "ready").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the peer did not start; see {log.name}")
        time.sleep(0.05)
    user = json.loads((state / "state" / "user.json").read_text())
    env = {"AWS_ACCESS_KEY_ID": user["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": user["SecretAccessKey"],
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    yield f"http://127.0.0.1:{port}", port, env
    process.terminate()
    process.wait(timeout=10)
    log.close()


def aws(peer_url: str, env: dict[str, str], *args: str) -> dict:
    out = subprocess.run([str(AWS_CLI), "--endpoint-url", peer_url, *args, "--output", "json"],
                         env=clean_env(env), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def test_deploy_to_the_peers_s3(tmp_path: Path, peer) -> None:
    peer_url, port, env = peer
    aws(peer_url, env, "s3api", "create-bucket", "--bucket", "keyturn-console")
    dist = make_dist(tmp_path / "dist", "./")
    result = run_deploy("--bucket", "keyturn-console", "--endpoint-url", peer_url, "--skip-build", "--dist", str(dist),
                        "--public-read", env={**env, "KEYTURN_AWS_CLI": str(AWS_CLI)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipping the CloudFront invalidation" in result.stdout
    assert f"{peer_url}/keyturn-console/index.html" in result.stdout
    want = {rel: (cc, ct) for cc, ct, rel in csp.upload_plan(dist)}
    for rel, (cache_control, content_type) in want.items():
        head = aws(peer_url, env, "s3api", "head-object", "--bucket", "keyturn-console", "--key", rel)
        assert (head.get("CacheControl"), head.get("ContentType")) == (cache_control, content_type), rel
    assert want["keyturn-0123456789abcdef_bg.wasm"] == ("public, max-age=31536000, immutable", "application/wasm")
    assert want["index.html"][0] == "no-cache"
    # What a browser gets from the path-style URL (anonymous, public-read on the peer only).
    status, headers, body = get(port, "/keyturn-console/index.html")
    assert status == 200 and body == (dist / "index.html").read_bytes()
    assert headers["content-type"] == "text/html; charset=utf-8"
    status, headers, _ = get(port, "/keyturn-console/keyturn-0123456789abcdef_bg.wasm")
    assert status == 200 and headers["content-type"] == "application/wasm"
    # What scripts/deploy-local.sh does: the same build, index.html with the peer in its <meta> policy.
    built = (dist / "index.html").read_bytes()
    result = run_deploy("--bucket", "keyturn-console", "--endpoint-url", peer_url, "--skip-build", "--dist", str(dist),
                        "--public-read", "--local-peer", peer_url, env={**env, "KEYTURN_AWS_CLI": str(AWS_CLI)})
    assert result.returncode == 0, result.stdout + result.stderr
    status, headers, body = get(port, "/keyturn-console/index.html")
    assert status == 200 and body == csp.with_local_peers(built.decode(), (peer_url,)).encode()
    assert f"{csp.meta_csp()} {peer_url}\"" in body.decode()
    assert (dist / "index.html").read_bytes() == built, "the build is left alone"
    head = aws(peer_url, env, "s3api", "head-object", "--bucket", "keyturn-console", "--key", "index.html")
    assert (head.get("CacheControl"), head.get("ContentType")) == ("no-cache", "text/html; charset=utf-8")
