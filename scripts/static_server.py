"""Serves the built console (dist/) as static files, the way S3 + CloudFront would.

Deep links (a path whose last segment has no file extension, e.g. /keys/us-east-1/<id>) fall back
to index.html so a link to a key reopens the app, as deploy/template.yaml's CloudFront Function
does. `.wasm` is served as application/wasm.

`--security-headers` sends the hosted console's security headers (Content-Security-Policy, HSTS,
...) from scripts/csp.py, the one place they are defined, with the inline-script hashes of
ROOT/index.html (none for a normal build) and `--local-peer` origins added to connect-src.
With `--local-peer`, ROOT/index.html (`/`, `/index.html` and every deep link) is served with the
same origins added to its <meta> Content-Security-Policy too (csp.with_local_peers, the function
deploy.sh --local-peer uses), since both policies are enforced; without it, byte for byte.
`--trusted-types-report-only` adds csp.py's Trusted Types report-only header.
`--header "Name: value"` adds any other header (repeatable).
`--compress` serves FILE.br or FILE.gz, when it exists beside FILE and the browser accepts that
encoding, with Content-Encoding, as CloudFront's automatic compression does (the first-load
benchmark: benches/browser/README.md); without it, every file is sent as it is.
"""

import argparse
import functools
import http.server
import io
import os
import posixpath
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import csp  # noqa: E402 - the sibling module, found through the path set just above


class Handler(http.server.SimpleHTTPRequestHandler):
    extra_headers: list[tuple[str, str]] = []
    # Added to the <meta> policy of ROOT/index.html (--local-peer); () serves it unchanged.
    local_peers: tuple[str, ...] = ()
    compress = False

    def send_head(self):
        path = self.translate_path(self.path)
        name = posixpath.basename(self.path.split("?", 1)[0])
        if not os.path.exists(path) and "." not in name:
            self.path = "/index.html"
            path = self.translate_path(self.path)
        if self.local_peers:
            if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
                path = os.path.join(path, "index.html")
            if os.path.normpath(path) == os.path.normpath(os.path.join(self.directory, "index.html")):
                return self.send_index(path)
        if self.compress and os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if self.compress and os.path.isfile(path):
            accepted = accepted_encodings(self.headers.get("Accept-Encoding", ""))
            for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
                if encoding in accepted and os.path.isfile(path + suffix):
                    return self.send_encoded(path, path + suffix, encoding)
        return super().send_head()

    def send_encoded(self, path: str, encoded: str, encoding: str):
        """The precompressed sibling of `path`, typed as `path`."""
        with open(encoded, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-type", self.guess_type(path))
        self.send_header("Content-Encoding", encoding)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def send_index(self, path: str):
        """index.html with the local peers in its <meta> policy (headers as for any file)."""
        try:
            with open(path, encoding="utf-8") as f:
                body = csp.with_local_peers(f.read(), self.local_peers).encode("utf-8")
        except (OSError, csp.CspError) as err:
            self.send_error(500, f"index.html: {err}")
            return None
        self.send_response(200)
        self.send_header("Content-type", self.guess_type(path))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self):
        for key, value in self.extra_headers:
            self.send_header(key, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


def accepted_encodings(header: str) -> set[str]:
    """The codings an Accept-Encoding header accepts (a coding with q=0 is refused)."""
    accepted = set()
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        q = params.strip()
        if q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        if name.strip():
            accepted.add(name.strip().lower())
    return accepted


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"--header {text!r}: expected 'Name: value'")
    return name.strip(), value.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--root", default="dist")
    parser.add_argument("--header", action="append", default=[], type=parse_header, help="NAME: VALUE, repeatable")
    parser.add_argument("--security-headers", action="store_true",
                        help="send the hosted console's security headers (scripts/csp.py)")
    parser.add_argument("--local-peer", action="append", default=[],
                        help="a local KMS peer URL to allow in connect-src, in the header and in index.html's "
                             "<meta> policy (with --security-headers), repeatable")
    parser.add_argument("--trusted-types-report-only", action="store_true",
                        help="add the Trusted Types report-only header of scripts/csp.py (with --security-headers)")
    parser.add_argument("--compress", action="store_true",
                        help="serve FILE.br / FILE.gz beside FILE with Content-Encoding when accepted")
    args = parser.parse_args()
    if args.local_peer and not args.security_headers:
        parser.error("--local-peer needs --security-headers")
    if args.trusted_types_report_only and not args.security_headers:
        parser.error("--trusted-types-report-only needs --security-headers")
    headers = []
    peers = tuple(args.local_peer)
    if args.security_headers:
        root = Path(args.root)
        if not (root / "index.html").is_file():
            parser.error(f"{root}/index.html is missing: build first (trunk build --release)")
        try:
            headers = csp.headers(root, peers, args.trusted_types_report_only or None)
            if peers:
                # Fails now, not on the first request, for a build without the current <meta> policy.
                csp.with_local_peers((root / "index.html").read_text(encoding="utf-8"), peers)
        except csp.CspError as err:
            parser.error(str(err))
    Handler.extra_headers = headers + args.header
    Handler.local_peers = peers
    Handler.compress = args.compress
    Handler.extensions_map = {**Handler.extensions_map, ".wasm": "application/wasm"}
    handler = functools.partial(Handler, directory=args.root)
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
