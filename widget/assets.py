"""The static files as served: JavaScript without its comments and layout, text gzipped once.

What we write in static/js is read by people and by the tools (eslint, prettier, tsc, which read
the JSDoc types); a host page only runs it. rJSmin takes out comments and white space and nothing
else, so the served file is the same program (tests/integration/test_assets.py parses both and
compares), and the first-open widget is about a third lighter gzipped (BENCHMARKS.md, widget
weight). Nothing is built: a file is read, minified and gzipped the first time it is asked for,
and again when it changes on disk.

The gzipped copy is served as it is (flask-compress leaves a response that has its encoding
alone): no compression a request, and an ETag for each encoding that a browser's revalidation
matches. Left to flask-compress, the ETag was rewritten after the conditional check and never
matched: every revalidation of a script or a style sheet fetched it whole.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from dataclasses import dataclass

import rjsmin
from flask import Response, abort, request, send_file, send_from_directory
from werkzeug.security import safe_join

TEXT = {".js": "text/javascript", ".css": "text/css"}  # minified (.js) and gzipped; the rest as is


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    etag: str  # of the body, so a changed file is fetched again whatever its dates
    modified: float  # the file's mtime, for Last-Modified


_served: dict[str, tuple[tuple[int, int], Asset]] = {}  # path -> ((mtime_ns, size), asset)


def served(path: str) -> Asset:
    """Return the text file at path as served, from memory while the file is unchanged."""
    stat = os.stat(path)
    key = (stat.st_mtime_ns, stat.st_size)
    known = _served.get(path)
    if known is not None and known[0] == key:
        return known[1]
    with open(path, encoding="utf-8") as file:
        text = file.read()
    body = (rjsmin.jsmin(text) if path.endswith(".js") else text).encode()
    digest = hashlib.sha256(body).hexdigest()[:32]
    asset = Asset(body, gzip.compress(body, 9, mtime=0), digest, stat.st_mtime)
    _served[path] = (key, asset)
    return asset


def send(folder: str, filename: str, max_age: int | None = None) -> Response:
    """Answer a request for folder/filename: 404 outside folder or for no file."""
    path = safe_join(folder, filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    mimetype = TEXT.get(os.path.splitext(path)[1])
    if mimetype is None:
        return send_from_directory(folder, filename, max_age=max_age)
    asset = served(path)
    gzipped = bool(request.accept_encodings["gzip"])
    response = send_file(
        io.BytesIO(asset.gzipped if gzipped else asset.body),
        mimetype=mimetype,
        etag=asset.etag + ("-gzip" if gzipped else ""),  # one for each encoding, as caches expect
        last_modified=asset.modified,
        max_age=max_age,
    )
    response.vary.add("Accept-Encoding")
    if gzipped and response.status_code != 304:  # 200, or 206 for a range of the gzipped bytes
        response.headers["Content-Encoding"] = "gzip"
    return response
