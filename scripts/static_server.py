"""Serves the built console (dist/) as static files, the way S3 + CloudFront would.

Deep links (a path with no file extension, e.g. /keys/us-east-1/<id>) fall back to index.html so a
link to a key reopens the app. `.wasm` is served as application/wasm.
"""

import argparse
import functools
import http.server
import os
import posixpath


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--root", default="dist")
    parser.add_argument("--header", action="append", default=[], help="NAME: VALUE, repeatable")
    args = parser.parse_args()
    Handler.extra_headers = [tuple(h.split(": ", 1)) for h in args.header]
    Handler.extensions_map = {**Handler.extensions_map, ".wasm": "application/wasm"}
    handler = functools.partial(Handler, directory=args.root)
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
