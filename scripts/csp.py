#!/usr/bin/env python3
"""keyturn's security headers, from one place.

The hosted console (deploy/template.yaml, CloudFront), the local static server used by the tests
(scripts/static_server.py) and the docs (deploy/README.md) all take their headers from here:

  python3 scripts/csp.py headers [--dist dist] [--local-peer http://127.0.0.1:4599]
      `Name: value` lines (what static_server.py --security-headers sends).
  python3 scripts/csp.py csp [--dist dist] [--local-peer URL]
      the Content-Security-Policy value alone.
  python3 scripts/csp.py cloudformation [--write | --check] [--file deploy/template.yaml]
      the template's generated ResponseHeadersPolicy block; --write puts it into the template,
      --check fails when the template differs (a test runs it).
  python3 scripts/csp.py docs [--write | --check] [--file deploy/README.md]
      the same for the headers listed in the README.
  python3 scripts/csp.py check --dist DIR [--public-url /]
      checks that a build runs under the hosted policy: no inline script, style or event handler,
      subresource integrity on every script/style/preload, and the digests match the files.
  python3 scripts/csp.py upload-plan --dist DIR
      `cache-control<TAB>content-type<TAB>path` per file, for scripts/deploy.sh.
  python3 scripts/csp.py endpoints
      every KMS/STS URL the console can resolve (for review; the tests check each is allowed).

connect-src: the endpoints come from src/aws/endpoint.rs (the console's own resolver), parsed here,
so the region list has one source. They have the shape https://{kms,kms-fips,sts,sts-fips}.{region}.
{dnsSuffix | dualStackDnsSuffix}. CSP allows a wildcard only as the leftmost label (`https://*.
amazonaws.com`; `https://kms.*.amazonaws.com` is invalid), so the choice is between one exact host per
endpoint (48 regions x 4 prefixes x 2 suffixes = 384 hosts, ~15 KB) and one wildcard per DNS suffix
(14 sources, ~330 bytes). CloudFront refuses a Content-Security-Policy longer than 1783 characters in
a response headers policy (TooLongCSPInResponseHeadersPolicy), so the exact list cannot be deployed;
a wildcard per region would be ~2.6 KB and no tighter in practice (S3 buckets and API Gateway hosts
live under the regional names too). So: one `https://*.SUFFIX` per suffix, `'self'` for the wasm
fetch, and in a local build only, the peer's origin.
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

# CloudFront quota: the Content-Security-Policy value of a response headers policy.
CLOUDFRONT_CSP_MAX = 1783
# The endpoint prefixes resolve() builds (endpoint.rs; kms-api.md §1.2 and "STS endpoints").
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


def endpoint_urls(parts: list[Partition] | None = None) -> list[str]:
    """Every URL resolve() can produce for a listed region (custom URLs aside)."""
    urls = []
    for p in parts if parts is not None else partitions():
        for region in p.regions:
            for suffix in (p.dns_suffix, p.dual_stack_dns_suffix):
                urls += [f"https://{prefix}.{region}.{suffix}/" for prefix in ENDPOINT_PREFIXES]
    return urls


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
    """`http://127.0.0.1:4599/` -> `http://127.0.0.1:4599` (a CSP source must be an origin)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise CspError(f"--local-peer {url!r}: expected an http(s)://host:port URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise CspError(f"--local-peer {url!r}: give the origin only, without a path")
    if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", parts.netloc):
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
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        a = dict(attrs)
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


def headers(dist: Path | None = None, local_peers: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every security header, in the order static_server.py sends them."""
    return [
        ("Content-Security-Policy", csp(dist, local_peers)),
        ("Strict-Transport-Security", HSTS),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        *CUSTOM_HEADERS,
    ]


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
    for name, value in CUSTOM_HEADERS:
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
                for name, value in headers(args.dist, peers):
                    print(f"{name}: {value}")
        elif args.command in ("cloudformation", "docs"):
            _, begin, end, make = BLOCKS[args.command]
            if args.write:
                changed = write_block(args.file, begin, end, make)
                print(f"{args.file}: {'updated' if changed else 'already current'}")
            elif args.check:
                if not block_is_current(args.file, begin, end, make):
                    print(f"{args.file}: the security headers differ from scripts/csp.py; run "
                          f"`python3 scripts/csp.py {args.command} --write`", file=sys.stderr)
                    return 1
                print(f"{args.file}: security headers match scripts/csp.py")
            else:
                sys.stdout.write(make(0))
        elif args.command == "check":
            problems = check_dist(args.dist, args.public_url)
            for problem in problems:
                print(f"{args.dist}: {problem}", file=sys.stderr)
            if problems:
                return 1
            print(f"{args.dist}: runs under the hosted policy (no inline script, SRI checked)")
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
