"""Static files served gzipped and revalidated by ETag, so a phone's first load is small and
every later load is a handful of 304s.

Each file is read, hashed and compressed once per version (its size and modification time)
and kept in memory: the whole static folder is a few hundred kilobytes, and compressing on
every request would cost the event loop more than it saves the network. Every response says
`Cache-Control: no-cache` (a browser may keep the file but must ask before using it), carries
a strong ETag of the bytes it sends (a gzipped body has its own tag), and `Vary:
Accept-Encoding` so no cache hands gzip to a client that did not ask for it. There are no
hashed file names: that would need a build step, and an ETag costs one round trip per file.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

CACHE_CONTROL = "no-cache"
MIN_SIZE = 256
"""Files smaller than this go as they are: gzip's header would eat most of the saving."""

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class StaticFile:
    """One version of one file: its bytes as they are and gzipped (None when not worth it)."""

    version: tuple[int, int]  # (size, modification time in ns)
    mimetype: str
    body: bytes
    etag: str
    gzipped: bytes | None
    gzip_etag: str


def content_type(path: str) -> str:
    """The Content-Type for a file name; text in UTF-8 (module scripts need a JS type)."""
    guessed, _encoding = mimetypes.guess_type(path)
    if path.endswith((".js", ".mjs")):
        guessed = "text/javascript"
    mimetype = guessed or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype in ("application/json", "image/svg+xml"):
        return f"{mimetype}; charset=utf-8"
    return mimetype


def load(path: str, version: tuple[int, int]) -> StaticFile:
    """Read, hash and (when it pays) gzip one file."""
    body = Path(path).read_bytes()
    mimetype = content_type(path)
    digest = hashlib.sha256(body).hexdigest()[:20]
    gzipped = None
    if len(body) >= MIN_SIZE and mimetype.startswith(COMPRESSIBLE):
        # mtime=0: the same file gives the same bytes on every start and every machine.
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    return StaticFile(version, mimetype, body, f'"{digest}"', gzipped, f'"{digest}-gz"')


class StaticFiles:
    """The static folder, compressed and kept in memory file by file as files are asked for."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._files: dict[str, StaticFile] = {}

    def get(self, filename: str) -> StaticFile | None:
        """The current version of a file under the folder, None when there is none."""
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path):
            return None
        version = (stat.st_size, stat.st_mtime_ns)
        cached = self._files.get(path)
        if cached is None or cached.version != version:
            cached = load(path, version)
            self._files[path] = cached
        return cached

    def response(self, filename: str) -> Response:
        """The file for this request: gzipped when accepted, 304 when the client has it."""
        found = self.get(filename)
        if found is None:
            abort(404)
        use_gzip = found.gzipped is not None and request.accept_encodings["gzip"] > 0
        etag = found.gzip_etag if use_gzip else found.etag
        headers = {
            "ETag": etag,
            "Cache-Control": CACHE_CONTROL,
            "Vary": "Accept-Encoding",
        }
        if etag_matches(request.headers.get("If-None-Match", ""), etag):
            not_modified = Response(status=304, headers=headers)
            del not_modified.headers["Content-Type"]  # no body, so no type (and no page policy)
            return not_modified
        body = found.gzipped if use_gzip and found.gzipped is not None else found.body
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        response = Response(body, headers=headers, content_type=found.mimetype)
        response.content_length = len(body)
        return response


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks for
    If-None-Match), or is `*`."""
    if if_none_match.strip() == "*":
        return True
    tags = (tag.strip() for tag in if_none_match.split(","))
    return any((tag[2:] if tag.startswith("W/") else tag) == etag for tag in tags)


def init_app(app: Flask) -> None:
    """Serve the app's `/static/<path>` route through `StaticFiles` (same URL, same endpoint)."""
    if not app.static_folder or "static" not in app.view_functions:
        return
    files = StaticFiles(app.static_folder)
    app.extensions["workshop_static_files"] = files
    app.view_functions["static"] = files.response
