#!/usr/bin/env python3
"""keyturn's security headers and its <meta> policy, from one place.

The hosted console (deploy/template.yaml, CloudFront), the local static server used by the tests
(scripts/static_server.py), the source index.html and the docs (deploy/README.md) all take their
policies from here:

  python3 scripts/csp.py headers [--dist dist] [--local-peer http://127.0.0.1:4599] [--trusted-types-report-only]
      `Name: value` lines (what static_server.py --security-headers sends).
  python3 scripts/csp.py csp [--dist dist] [--local-peer URL]
      the Content-Security-Policy header value alone.
  python3 scripts/csp.py meta-csp [--local-peer URL]
      the exact-host policy of index.html's <meta> tag alone.
  python3 scripts/csp.py meta [--write | --check] [--file index.html]
      index.html's generated <meta http-equiv="Content-Security-Policy"> block; --write puts it
      into index.html, --check fails when index.html differs (a test runs it). Both print its size.
  python3 scripts/csp.py local-index --dist DIR --local-peer URL [--out FILE]
      DIR/index.html with the local peer added to its <meta> policy (deploy.sh --local-peer; the
      static server does the same for every index.html it serves with --local-peer).
  python3 scripts/csp.py cloudformation [--write | --check] [--file deploy/template.yaml]
      the template's generated ResponseHeadersPolicy block; --write puts it into the template,
      --check fails when the template differs (a test runs it).
  python3 scripts/csp.py docs [--write | --check] [--file deploy/README.md]
      the same for the headers listed in the README.
  python3 scripts/csp.py check --dist DIR [--public-url /]
      checks that a build runs under the hosted policies: no inline script, style or event handler,
      subresource integrity on every script/style/preload, the digests match the files, and the
      current <meta> policy comes once, in <head>, before anything that fetches.
  python3 scripts/csp.py upload-plan --dist DIR
      `cache-control<TAB>content-type<TAB>path` per file, for scripts/deploy.sh.
  python3 scripts/csp.py endpoints
      every KMS/STS URL the console can resolve (for review; the tests check each is allowed).

Two policies, both enforced (a request must pass both, so the effective connect-src is the
intersection):

* The header (CloudFront's response headers policy): the whole policy, with one wildcard per DNS
  suffix in connect-src. CSP allows a wildcard only as the leftmost label (`https://*.
  amazonaws.com`; `https://kms.*.amazonaws.com` is invalid), so the choice is between one exact host
  per endpoint (~15 KB) and one wildcard per DNS suffix (14 sources, ~560 characters in all).
  CloudFront refuses a Content-Security-Policy longer than 1783 characters in a response headers
  policy (TooLongCSPInResponseHeadersPolicy), so the header carries the wildcards. They admit any
  host under the AWS suffixes, S3 buckets and API Gateway hosts that anyone can own included.
* The <meta> tag in index.html: `connect-src` only, `'self'` plus the exact origin of every
  endpoint the console's resolver can produce (`endpoints`: https://{kms,kms-fips,sts,sts-fips}.
  {region}.{dnsSuffix | dualStackDnsSuffix}, the ones resolve() never builds left out). A <meta>
  policy has no size quota, but ignores frame-ancestors, report-uri and sandbox, so it narrows
  connect-src and nothing else. It applies only to what is fetched after it is parsed: it is the
  first element of <head> after the charset.

The endpoints come from src/aws/endpoint.rs (the console's own resolver), parsed here, so the
region list has one source. A local build served for the tests adds the peer's origin to both
(--local-peer); nowhere else does anything but AWS get in.

Trusted Types is prepared, not on: TRUSTED_TYPES_REPORT_ONLY (or --trusted-types-report-only)
adds a report-only `require-trusted-types-for 'script'` header; see deploy/README.md.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html.parser
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT_RS = ROOT / "src" / "aws" / "endpoint.rs"
TEMPLATE = ROOT / "deploy" / "template.yaml"
README = ROOT / "deploy" / "README.md"
INDEX_HTML = ROOT / "index.html"

# CloudFront quota: the Content-Security-Policy value of a response headers policy.
CLOUDFRONT_CSP_MAX = 1783
# The endpoint prefixes resolve() builds (endpoint.rs; docs/kms.md §1.4 Endpoints and partitions,
# §1.5 STS endpoints).
ENDPOINT_PREFIXES = ("kms", "kms-fips", "sts", "sts-fips")

HSTS = "max-age=63072000; includeSubDomains; preload"  # two years
# Only features Chromium knows: an unknown name is logged as a console error on every load.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb",
    )
)
# Trusted Types (report-only): a violation is reported (a `securitypolicyviolation` event with
# disposition "report", a console message), nothing is blocked. Off until the end-to-end test
# (end2end/tests/hosting-csp.spec.ts, "Trusted Types") shows the app runs without violations: Leptos
# builds static view fragments with `<template>.innerHTML`, a Trusted Types sink.
TRUSTED_TYPES_REPORT_ONLY = False
TRUSTED_TYPES_POLICY = "require-trusted-types-for 'script'; trusted-types 'none'"
# Custom (non-"security") headers: CloudFront sends these through CustomHeadersConfig.
CUSTOM_HEADERS = (
    ("Permissions-Policy", PERMISSIONS_POLICY),
    # The console opens no popups and is opened by none: no window references across origins.
    ("Cross-Origin-Opener-Policy", "same-origin"),
    # Its files are for its own pages only.
    ("Cross-Origin-Resource-Policy", "same-origin"),
)

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
# Trunk's file hash: `{stem}-{u64 as hex}` (leading zeros dropped), wasm-bindgen adds `_bg`.
HASHED_NAME = re.compile(r"^[A-Za-z0-9_.]+-[0-9a-f]{8,16}(_bg)?\.[a-z0-9]+$")


class CspError(Exception):
    """A build or source file that does not fit the policy; the message says what to change."""


@dataclass(frozen=True)
class Partition:
    id: str
    dns_suffix: str
    dual_stack_dns_suffix: str
    regions: tuple[str, ...]


def partitions(endpoint_rs: Path = ENDPOINT_RS) -> list[Partition]:
    """The partitions of src/aws/endpoint.rs's `static PARTITIONS` (the console's region picker)."""
    text = endpoint_rs.read_text()
    block = re.search(r"static PARTITIONS: \[Partition; (\d+)\] = \[(.*?)\n\];", text, re.S)
    if block is None:
        raise CspError(f"{endpoint_rs}: `static PARTITIONS: [Partition; N] = [...]` not found")
    entries = re.findall(
        r'Partition\s*\{\s*id:\s*"([^"]+)",.*?\bdns_suffix:\s*"([^"]+)",'
        r'\s*dual_stack_dns_suffix:\s*"([^"]+)",\s*regions:\s*&\[(.*?)\]',
        block.group(2),
        re.S,
    )
    found = [
        Partition(pid, dns, dual, tuple(re.findall(r'"([^"]+)"', regions)))
        for pid, dns, dual, regions in entries
    ]
    if len(found) != int(block.group(1)) or any(not p.regions for p in found):
        raise CspError(f"{endpoint_rs}: parsed {len(found)} partitions, expected {block.group(1)}")
    return found


# resolve()'s one exception to `{service}[-fips]`: a partition whose STS FIPS host (without
# dual-stack) is the plain `sts.` host (GovCloud: docs/kms.md §1.5 STS endpoints).
_PLAIN_STS_FIPS = re.compile(
    r'\(Service::Sts, true\) if partition\.id == "([^"]+)" && !config\.dual_stack => "sts",')


def plain_sts_fips_partitions(endpoint_rs: Path = ENDPOINT_RS) -> frozenset[str]:
    """The partition ids for which resolve() sends STS FIPS to `sts.` (no `sts-fips.` host).
    When the rule is not found, none: the list then keeps every `sts-fips.` host (a superset)."""
    return frozenset(_PLAIN_STS_FIPS.findall(endpoint_rs.read_text()))


def endpoint_urls(parts: list[Partition] | None = None, plain_sts_fips: frozenset[str] | None = None) -> list[str]:
    """Every URL resolve() can produce for a listed region (custom URLs aside), and no other:
    `sts-fips.{region}.{dnsSuffix}` is left out where resolve() uses `sts.` for FIPS."""
    if plain_sts_fips is None:
        plain_sts_fips = plain_sts_fips_partitions()
    urls: list[str] = []
    for p in parts if parts is not None else partitions():
        for region in p.regions:
            for suffix in (p.dns_suffix, p.dual_stack_dns_suffix):
                for prefix in ENDPOINT_PREFIXES:
                    if prefix == "sts-fips" and suffix == p.dns_suffix and p.id in plain_sts_fips:
                        continue
                    url = f"https://{prefix}.{region}.{suffix}/"
                    if url not in urls:
                        urls.append(url)
    # Organizations: one endpoint per partition, in its home Region (endpoint.rs
    # organizations_home / organizations_endpoint); GovCloud's plain host is FIPS already.
    homes = organizations_homes()
    for p in parts if parts is not None else partitions():
        home = homes.get(p.id) or (p.regions[0] if p.regions else None)
        if home is None:
            continue
        hosts = ["organizations"] if p.id == "aws-us-gov" else ["organizations", "organizations-fips"]
        for suffix in (p.dns_suffix, p.dual_stack_dns_suffix):
            for host in hosts:
                url = f"https://{host}.{home}.{suffix}/"
                if url not in urls:
                    urls.append(url)
    return urls


_ORG_HOME = re.compile(r'"(aws[a-z-]*)" => "([a-z0-9-]+)",')


def organizations_homes(endpoint_rs: Path = ENDPOINT_RS) -> dict[str, str]:
    """Partition id -> Organizations home Region, read from endpoint.rs's organizations_home."""
    text = endpoint_rs.read_text()
    start = text.find("fn organizations_home")
    if start < 0:
        return {}
    body = text[start:text.find("\n}\n", start)]
    return dict(_ORG_HOME.findall(body))


def endpoint_origins() -> list[str]:
    """endpoint_urls() as CSP sources (an origin without the path matches every path)."""
    return [url.rstrip("/") for url in endpoint_urls()]


def aws_connect_sources(parts: list[Partition] | None = None) -> list[str]:
    """One `https://*.SUFFIX` per DNS suffix, in the partitions' order (aws first)."""
    seen: list[str] = []
    for p in parts if parts is not None else partitions():
        for suffix in (p.dns_suffix, p.dual_stack_dns_suffix):
            source = f"https://*.{suffix}"
            if source not in seen:
                seen.append(source)
    return seen


def peer_origin(url: str) -> str:
    """`http://127.0.0.1:4599/` -> `http://127.0.0.1:4599` (a CSP source must be an origin, or
    a host-source with a leading `*.` wildcard)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise CspError(f"--local-peer {url!r}: expected an http(s)://host:port URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise CspError(f"--local-peer {url!r}: give the origin only, without a path")
    # `*.localhost:PORT` allows the peer's per-Region host names (`{region}.localhost`, which
    # Chromium resolves to loopback): each Region its own connections, as on AWS.
    if not re.fullmatch(r"(\*\.)?[A-Za-z0-9.\-\[\]:]+", parts.netloc):
        raise CspError(f"--local-peer {url!r}: host has characters a CSP source cannot carry")
    return f"{parts.scheme}://{parts.netloc.lower()}"


# --- reading a built index.html --------------------------------------------------------------


class _Page(html.parser.HTMLParser):
    """What a built index.html loads, and what in it a strict policy would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.inline_scripts: list[str] = []
        self.inline_styles: list[str] = []
        self.problems: list[str] = []
        # (tag, rel or None, url, integrity or None)
        self.resources: list[tuple[str, str | None, str, str | None]] = []
        # <meta http-equiv="Content-Security-Policy">: (content, in <head>, resources before it)
        self.meta_policies: list[tuple[str, bool, int]] = []
        self._in: str | None = None
        self._buf: list[str] = []
        self._in_head = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        a = dict(attrs)
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        elif tag == "meta" and (a.get("http-equiv") or "").strip().lower() == "content-security-policy":
            self.meta_policies.append((a.get("content") or "", self._in_head, len(self.resources)))
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>: inline event handlers need 'unsafe-hashes'")
            if name == "style":
                self.problems.append(f"<{tag} style=...>: inline style attributes need 'unsafe-inline'")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>: blocked by script-src")
        if tag == "script":
            if a.get("src"):
                self.resources.append(("script", None, a["src"], a.get("integrity")))
            else:
                self._in, self._buf = "script", []
        elif tag == "style":
            self._in, self._buf = "style", []
        elif tag == "link" and a.get("href"):
            self.resources.append(("link", (a.get("rel") or "").lower(), a["href"], a.get("integrity")))
        elif tag == "base":
            self.problems.append("<base>: base-uri is 'none'")
        elif tag in ("iframe", "object", "embed", "form"):
            self.problems.append(f"<{tag}>: not allowed by the policy")

    def handle_startendtag(self, tag, attrs):  # noqa: ANN001
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_data(self, data):  # noqa: ANN001
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "head":
            self._in_head = False
        if self._in == tag:
            (self.inline_scripts if tag == "script" else self.inline_styles).append("".join(self._buf))
            self._in = None


def read_page(index_html: str) -> _Page:
    page = _Page()
    page.feed(index_html)
    page.close()
    return page


def source_hash(text: str) -> str:
    """The CSP hash source of an inline script's text, exactly as it appears between the tags."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def inline_script_hashes(dist: Path | None) -> list[str]:
    if dist is None:
        return []
    page = read_page((dist / "index.html").read_text(encoding="utf-8"))
    return [source_hash(s) for s in page.inline_scripts]


# --- the policy ------------------------------------------------------------------------------


def csp(dist: Path | None = None, local_peers: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy. Without dist and peers: the hosted (CloudFront) policy."""
    script = ["'self'", "'wasm-unsafe-eval'", *inline_script_hashes(dist)]
    # 'self': Trunk's wasm preload and the wasm fetch are connect-src requests.
    connect = ["'self'", *aws_connect_sources(), *(peer_origin(p) for p in local_peers)]
    directives = [
        ("default-src", ["'none'"]),
        ("script-src", script),
        ("style-src", ["'self'"]),
        # The favicon (a hashed file of the build); no data: images are used.
        ("img-src", ["'self'"]),
        ("connect-src", connect),
        ("base-uri", ["'none'"]),
        ("form-action", ["'none'"]),
        ("object-src", ["'none'"]),
        ("frame-ancestors", ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives)


def custom_headers(trusted_types_report_only: bool | None = None) -> list[tuple[str, str]]:
    """The headers CloudFront sends through CustomHeadersConfig (not one of its "security" ones).
    trusted_types_report_only: None means TRUSTED_TYPES_REPORT_ONLY."""
    if trusted_types_report_only is None:
        trusted_types_report_only = TRUSTED_TYPES_REPORT_ONLY
    report_only = [("Content-Security-Policy-Report-Only", TRUSTED_TYPES_POLICY)] if trusted_types_report_only else []
    return [*report_only, *CUSTOM_HEADERS]


def headers(dist: Path | None = None, local_peers: tuple[str, ...] = (),
            trusted_types_report_only: bool | None = None) -> list[tuple[str, str]]:
    """Every security header, in the order static_server.py sends them (the hosted set: with the
    Trusted Types report-only header when TRUSTED_TYPES_REPORT_ONLY is on, or when asked)."""
    return [
        ("Content-Security-Policy", csp(dist, local_peers)),
        ("Strict-Transport-Security", HSTS),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        *custom_headers(trusted_types_report_only),
    ]


# --- the <meta> policy in index.html ------------------------------------------------------------


def meta_csp(local_peers: tuple[str, ...] = ()) -> str:
    """The exact-host policy of index.html's <meta> tag: connect-src only (a <meta> policy ignores
    frame-ancestors, report-uri and sandbox; the header has everything else)."""
    sources = ["'self'", *endpoint_origins()]
    for peer in local_peers:
        origin = peer_origin(peer)
        if origin not in sources:
            sources.append(origin)
    return "connect-src " + " ".join(sources)


def meta_tag(local_peers: tuple[str, ...] = ()) -> str:
    policy = meta_csp(local_peers)
    # Written into an attribute as is: nothing in it may need escaping.
    if any(c in policy for c in '"&<>'):
        raise CspError(f"the meta policy has a character that needs HTML escaping: {policy!r}")
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


META_BEGIN = "<!-- BEGIN generated by scripts/csp.py meta --write (do not edit by hand) -->"
META_END = "<!-- END generated by scripts/csp.py meta -->"
# The tag exactly as meta_tag() writes it (Trunk copies index.html's head through unchanged).
META_TAG = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def meta_block(indent: int = 4) -> str:
    """index.html's generated lines: the markers and the <meta> tag between them."""
    return "".join(" " * indent + line + "\n" for line in (META_BEGIN, meta_tag(), META_END))


def with_local_peers(index_html: str, local_peers: tuple[str, ...]) -> str:
    """A built index.html with the local peers added to its <meta> policy: what the static server
    serves with --local-peer, and what deploy.sh --local-peer uploads. The page must carry the
    current generated tag exactly once (else it is stale or not a build of this index.html)."""
    found = META_TAG.findall(index_html)
    count = len(read_page(index_html).meta_policies)
    if len(found) != 1 or count != 1:
        raise CspError(
            f"index.html has {count} <meta> Content-Security-Policy tags ({len(found)} in the form "
            "csp.py generates), expected 1: rebuild (trunk build --release) with the block "
            "`python3 scripts/csp.py meta --write` writes into index.html"
        )
    if found[0] != meta_csp():
        raise CspError("index.html's <meta> policy differs from scripts/csp.py (stale build?): run "
                       "`python3 scripts/csp.py meta --write` and rebuild")
    return index_html.replace(meta_tag(), meta_tag(tuple(local_peers)), 1)


# --- CloudFormation --------------------------------------------------------------------------

BEGIN = "# BEGIN generated by scripts/csp.py cloudformation --write (do not edit by hand)"
END = "# END generated by scripts/csp.py"


def cloudformation_block(indent: int = 8) -> str:
    """The `SecurityHeadersConfig` and `CustomHeadersConfig` of the ResponseHeadersPolicyConfig."""
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    lines = [
        BEGIN,
        "SecurityHeadersConfig:",
        "  ContentSecurityPolicy:",
        f"    ContentSecurityPolicy: {q(csp())}",
        "    Override: true",
        "  StrictTransportSecurity:",
        "    AccessControlMaxAgeSec: 63072000",
        "    IncludeSubdomains: true",
        "    Preload: true",
        "    Override: true",
        "  ContentTypeOptions:",
        "    Override: true",
        "  FrameOptions:",
        "    FrameOption: DENY",
        "    Override: true",
        "  ReferrerPolicy:",
        "    ReferrerPolicy: no-referrer",
        "    Override: true",
        "CustomHeadersConfig:",
        "  Items:",
    ]
    for name, value in custom_headers():
        lines += [f"    - Header: {name}", f"      Value: {q(value)}", "      Override: true"]
    lines.append(END)
    return "".join(" " * indent + line + "\n" for line in lines)


def _split_block(text: str, begin: str, end: str) -> tuple[str, str, str, int]:
    """(before, the generated lines, after, indent of the BEGIN line)."""
    start = text.find(begin)
    stop = text.find(end)
    if start < 0 or stop < start:
        raise CspError(f"no `{begin}` ... `{end}` block")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.index("\n", stop) + 1
    return text[:line_start], text[line_start:line_end], text[line_end:], start - line_start


DOCS_BEGIN = "<!-- BEGIN generated by scripts/csp.py docs --write (do not edit by hand) -->"
DOCS_END = "<!-- END generated by scripts/csp.py -->"


def docs_block(indent: int = 0) -> str:
    """The headers as deploy/README.md shows them: the hosted set and what a local build adds."""
    lines = [DOCS_BEGIN, "```text", *(f"{n}: {v}" for n, v in headers()), "```", DOCS_END]
    return "".join(" " * indent + line + "\n" for line in lines)


# The generated blocks: command -> (default file, begin marker, end marker, generator).
BLOCKS = {
    "cloudformation": (TEMPLATE, BEGIN, END, cloudformation_block),
    "docs": (README, DOCS_BEGIN, DOCS_END, docs_block),
    "meta": (INDEX_HTML, META_BEGIN, META_END, meta_block),
}


def block_is_current(path: Path, begin: str, end: str, make) -> bool:  # noqa: ANN001
    _, block, _, indent = _split_block(path.read_text(), begin, end)
    return block == make(indent)


def write_block(path: Path, begin: str, end: str, make) -> bool:  # noqa: ANN001
    """Rewrites the generated block; True when the file changed."""
    head, block, tail, indent = _split_block(path.read_text(), begin, end)
    new = make(indent)
    if block == new:
        return False
    path.write_text(head + new + tail)
    return True


def template_is_current(template: Path = TEMPLATE) -> bool:
    return block_is_current(template, BEGIN, END, cloudformation_block)


# --- checking a build ------------------------------------------------------------------------


def _sri_ok(data: bytes, integrity: str) -> bool:
    for token in integrity.split():
        algo, _, value = token.partition("-")
        if algo in ("sha256", "sha384", "sha512"):
            if base64.b64encode(hashlib.new(algo, data).digest()).decode() == value:
                return True
    return False


def _local_path(dist: Path, url: str, public_url: str | None) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path = parts.path
    if public_url is not None and not path.startswith(public_url):
        raise CspError(f"{url}: does not start with the public URL {public_url!r} (trunk --public-url)")
    return dist / path.removeprefix("./").lstrip("/")


def check_dist(dist: Path, public_url: str | None = None) -> list[str]:
    """Problems that stop `dist` from running under the hosted policy; [] when it is fine."""
    index = dist / "index.html"
    if not index.is_file():
        return [f"{index} is missing: build first (trunk build --release)"]
    page = read_page(index.read_text(encoding="utf-8"))
    problems = list(page.problems)
    hosted = csp()
    for text in page.inline_scripts:
        if source_hash(text) not in hosted:
            problems.append(
                f"inline <script> ({len(text)} bytes) is not allowed by the hosted policy: keep "
                'Trunk.toml `pattern_script = ""` and start the app from js/boot.js'
            )
    if page.inline_styles:
        problems.append("inline <style> is not allowed (style-src 'self')")
    problems += meta_problems(page)
    needs_sri = {"stylesheet", "modulepreload", "preload"}
    for tag, rel, url, integrity in page.resources:
        try:
            path = _local_path(dist, url, public_url)
        except CspError as err:
            problems.append(str(err))
            continue
        if path is None:
            problems.append(f"<{tag}> loads {url} from another origin")
            continue
        if not path.is_file():
            problems.append(f"<{tag}> {url}: {path} does not exist")
            continue
        if tag == "script" or rel in needs_sri:
            if not integrity:
                problems.append(f"<{tag}> {url} has no integrity attribute (keep Trunk's SRI on)")
            elif not _sri_ok(path.read_bytes(), integrity):
                problems.append(f"<{tag}> {url}: integrity does not match the file")
    if not any(rel == "preload" and url.endswith(".wasm") for _, rel, url, _ in page.resources):
        problems.append("no wasm preload link: is this a Trunk build of keyturn?")
    return problems


def meta_problems(page: _Page) -> list[str]:
    """What is wrong with a built page's <meta> policy: it must be the current one, once, in
    <head>, before any element that fetches (a <meta> policy only covers what comes after it)."""
    if not page.meta_policies:
        return ["no <meta http-equiv=\"Content-Security-Policy\">: keep the block of "
                "`python3 scripts/csp.py meta --write` in index.html and rebuild"]
    if len(page.meta_policies) > 1:
        return [f"{len(page.meta_policies)} <meta> Content-Security-Policy tags: keep only the generated one"]
    [(content, in_head, before)] = page.meta_policies
    problems = []
    if content != meta_csp():
        problems.append("the <meta> policy differs from scripts/csp.py (stale build?): run "
                        "`python3 scripts/csp.py meta --write` and rebuild")
    if not in_head:
        problems.append("the <meta> policy is not in <head>: browsers ignore it there")
    if before:
        problems.append(f"the <meta> policy comes after {before} element(s) that fetch: keep it first in <head>")
    return problems


def upload_plan(dist: Path) -> list[tuple[str, str, str]]:
    """(cache-control, content-type, relative path) per file. A file is immutable only when its
    name carries Trunk's content hash and index.html references it; everything else, index.html
    first, is revalidated on every use."""
    page = read_page((dist / "index.html").read_text(encoding="utf-8"))
    referenced = {urlsplit(url).path.removeprefix("./").lstrip("/") for _, _, url, _ in page.resources}
    plan = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        rel = path.relative_to(dist).as_posix()
        immutable = rel in referenced and HASHED_NAME.match(path.name) is not None
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        plan.append((IMMUTABLE if immutable else NO_CACHE, content_type, rel))
    return plan


# --- CSP source matching (used by the tests to check every endpoint is allowed) ----------------


def source_allows(source: str, url: str) -> bool:
    """CSP3 host-source matching for the sources this policy uses (scheme://host[:port])."""
    u = urlsplit(url)
    m = re.fullmatch(r"(https?)://(\*\.)?([^:/*]+)(?::(\d+))?", source)
    if m is None:
        return False
    scheme, wildcard, host, port = m.groups()
    if u.scheme != scheme:
        return False
    hostname = u.hostname or ""
    if wildcard:
        if not hostname.endswith("." + host):
            return False
    elif hostname != host:
        return False
    default = "443" if scheme == "https" else "80"
    return str(u.port or default) == (port or default)


def connect_allows(policy: str, url: str) -> bool:
    for directive in policy.split(";"):
        name, *values = directive.split()
        if name == "connect-src":
            return any(source_allows(v, url) for v in values)
    return False


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("headers", "csp"):
        p = sub.add_parser(name)
        p.add_argument("--dist", type=Path, help="add hashes of inline scripts in DIST/index.html")
        p.add_argument("--local-peer", action="append", default=[], help="a local KMS peer URL (local builds only)")
        if name == "headers":
            p.add_argument("--trusted-types-report-only", action="store_true", default=None,
                           help="add the Trusted Types report-only header (always there when "
                                "TRUSTED_TYPES_REPORT_ONLY is on)")
    p = sub.add_parser("meta-csp")
    p.add_argument("--local-peer", action="append", default=[], help="a local KMS peer URL (local builds only)")
    p = sub.add_parser("local-index")
    p.add_argument("--dist", type=Path, required=True)
    p.add_argument("--local-peer", action="append", required=True, help="a local KMS peer URL, repeatable")
    p.add_argument("--out", type=Path, help="write here instead of stdout")
    for name, (default, *_) in BLOCKS.items():
        p = sub.add_parser(name)
        p.add_argument("--file", type=Path, default=default)
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--write", action="store_true")
        mode.add_argument("--check", action="store_true")
    p = sub.add_parser("check")
    p.add_argument("--dist", type=Path, required=True)
    p.add_argument("--public-url", help="every asset URL must start with this (e.g. / or ./)")
    p = sub.add_parser("upload-plan")
    p.add_argument("--dist", type=Path, required=True)
    sub.add_parser("endpoints")
    args = parser.parse_args(argv)

    try:
        if args.command in ("headers", "csp"):
            if args.dist is not None and not (args.dist / "index.html").is_file():
                raise CspError(f"{args.dist}/index.html is missing: build first")
            peers = tuple(args.local_peer)
            if args.command == "csp":
                print(csp(args.dist, peers))
            else:
                for name, value in headers(args.dist, peers, args.trusted_types_report_only):
                    print(f"{name}: {value}")
        elif args.command == "meta-csp":
            print(meta_csp(tuple(args.local_peer)))
        elif args.command == "local-index":
            index = args.dist / "index.html"
            text = with_local_peers(index.read_text(encoding="utf-8"), tuple(args.local_peer))
            if args.out is not None:
                args.out.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
        elif args.command in BLOCKS:
            _, begin, end, make = BLOCKS[args.command]
            what, differ, match = (("the <meta> policy", "differs", "matches") if args.command == "meta"
                                   else ("the security headers", "differ", "match"))
            size = (f" (meta tag {len(meta_tag().encode())} bytes, {len(endpoint_origins())} endpoints)"
                    if args.command == "meta" else "")
            if args.write:
                changed = write_block(args.file, begin, end, make)
                print(f"{args.file}: {'updated' if changed else 'already current'}{size}")
            elif args.check:
                if not block_is_current(args.file, begin, end, make):
                    print(f"{args.file}: {what} {differ} from scripts/csp.py; run "
                          f"`python3 scripts/csp.py {args.command} --write`", file=sys.stderr)
                    return 1
                print(f"{args.file}: {what} {match} scripts/csp.py{size}")
            else:
                sys.stdout.write(make(0))
        elif args.command == "check":
            problems = check_dist(args.dist, args.public_url)
            for problem in problems:
                print(f"{args.dist}: {problem}", file=sys.stderr)
            if problems:
                return 1
            print(f"{args.dist}: runs under the hosted policies (no inline script, SRI checked, <meta> policy current)")
        elif args.command == "upload-plan":
            for cache_control, content_type, rel in upload_plan(args.dist):
                print(f"{cache_control}\t{content_type}\t{rel}")
        elif args.command == "endpoints":
            print("\n".join(endpoint_urls()))
    except (CspError, OSError) as err:
        print(f"csp.py: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
