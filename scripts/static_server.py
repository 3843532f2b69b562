"""Serves the built console (dist/) as static files, the way S3 + CloudFront would.

Deep links (a path whose last segment has no file extension, e.g. /keys/us-east-1/<id>) fall back
to index.html so a link to a key reopens the app, as deploy/template.yaml's CloudFront Function
does. `.wasm` is served as application/wasm.

`--security-headers` sends the hosted console's security headers (Content-Security-Policy, HSTS,
...) from scripts/csp.py, the one place they are defined, with the inline-script hashes of
ROOT/index.html (none for a normal build) and `--local-peer` origins added to connect-src.
`--header "Name: value"` adds any other header (repeatable).
"""

import argparse
import functools
import http.server
import os
import posixpath
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import csp  # noqa: E402 - the sibling module, found through the path set just above


class Handler(http.server.SimpleHTTPRequestHandler):
    extra_headers: list[tuple[str, str]] = []

    def send_head(self):
        path = self.translate_path(self.path)
        name = posixpath.basename(self.path.split("?", 1)[0])
        if not os.path.exists(path) and "." not in name:
            self.path = "/index.html"
        return super().send_head()

    def end_headers(self):
        for key, value in self.extra_headers:
            self.send_header(key, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


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
                        help="a local KMS peer URL to allow in connect-src (with --security-headers), repeatable")
    args = parser.parse_args()
    if args.local_peer and not args.security_headers:
        parser.error("--local-peer needs --security-headers")
    headers = []
    if args.security_headers:
        root = Path(args.root)
        if not (root / "index.html").is_file():
            parser.error(f"{root}/index.html is missing: build first (trunk build --release)")
        try:
            headers = csp.headers(root, tuple(args.local_peer))
        except csp.CspError as err:
            parser.error(str(err))
    Handler.extra_headers = headers + args.header
    Handler.extensions_map = {**Handler.extensions_map, ".wasm": "application/wasm"}
    handler = functools.partial(Handler, directory=args.root)
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
