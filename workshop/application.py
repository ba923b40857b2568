"""The application factory: configuration, database, HTTP routes and Socket.IO handlers."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import from_environment
from .extensions import socketio
from .persistence import db
from .realtime import codec
from .realtime.broadcast import Coalescer
from .web import activity_scripts, hosts, static_files
from .web.headers import loggable_path, redacted_path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("workshop.http")

# Every page: never framed, no <base>, forms post only back here.
EVERY_PAGE = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


def page_policy(public_url: str) -> str:
    """The pages' CSP: scripts, styles and images only from this server, no inline style;
    sockets and fetches back to it ('self' covers ws:/wss: to the same host), or to
    PUBLIC_URL's origin."""
    connect = " ".join(["'self'", *hosts.public_origins(public_url)])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:; connect-src {connect}; {EVERY_PAGE}"
    )


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, HTTP routes and Socket.IO handlers."""
    app = Flask(
        __name__,
        root_path=str(ROOT),
        instance_path=str(ROOT / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]

    db.init_app(app)

    from .realtime import events  # registers the Socket.IO handlers

    # A plug-in registered (activities.register) before the app is built gets its named handlers.
    events.register_activity_events()
    from .web import openapi, views

    app.register_blueprint(views.bp)
    app.register_blueprint(openapi.bp)
    # The optional admin of the whole server (ADMIN_PASSWORD; 404 without it).
    from .web import admin

    admin.init_app(app)
    # The language of every request and page, and Flask-Babel on the same catalogues.
    from .web import language

    language.init_app(app)
    # Key and projector-token rotation (workshop/web/access.py).
    if importlib.util.find_spec(".web.access", __package__) is not None:
        app.register_blueprint(importlib.import_module(".web.access", __package__).bp)
    # Gzipped, with ETags: a phone's first load stays small. The list of kinds (kinds.js) is made
    # from the activities' declarations, and a plug-in's module is served beside the built-ins'.
    static_files.init_app(app, activity_scripts.overlay)
    folder = app.static_folder or ""
    app.context_processor(
        lambda: {"activity_preloads": lambda: activity_scripts.preload_paths(folder)}
    )
    # Read and validate the built-in agenda templates now: a broken file stops the start-up.
    from .services.agenda import built_in_templates

    built_in_templates()
    app.extensions["workshop_coalescer"] = Coalescer(app)
    # RETENTION_DAYS: finished workshops purged at start and daily.
    from .services import lifecycle

    lifecycle.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config.get("MESSAGE_QUEUE"),
        cors_allowed_origins=app.config.get("CORS_ALLOWED_ORIGINS"),
        ping_interval=10,
        ping_timeout=20,
        json=codec,
        # A larger message is refused by engineio before anything reads it.
        max_http_buffer_size=app.config["MAX_MESSAGE_BYTES"],
    )
    # The malformed-packet guard on the Socket.IO server (workshop/realtime/limits.py).
    if importlib.util.find_spec(".realtime.limits", __package__) is not None:
        importlib.import_module(".realtime.limits", __package__).init_app(app)
    # Installed after Socket.IO's middleware so they cover /socket.io/ too. Outermost first:
    # ProxyFix (the client's address and the Host it asked for, from trusted proxies only),
    # then the Host check, then chunked bodies made readable (and limited) for Flask.
    app.wsgi_app = _ChunkedBodies(app.wsgi_app, app.config)  # type: ignore[method-assign]
    app.wsgi_app = hosts.HostCheck(app.wsgi_app, app.config)  # type: ignore[method-assign]
    hops = int(app.config["FORWARDED_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    _body_limit(app)
    _access_log(app, page_policy(str(app.config.get("PUBLIC_URL") or "")))
    return app


BODY_LIMITS = "BODY_LIMITS"
"""Config key: {path: config key of its body limit} for routes that take larger bodies than
MAX_CONTENT_LENGTH (the admin's import takes MAX_IMPORT_BYTES); a blueprint adds its own."""


def body_limit(config: Any, path: str) -> int | None:
    """The largest request body `path` accepts: its own limit, else MAX_CONTENT_LENGTH."""
    own = (config.get(BODY_LIMITS) or {}).get(path)
    limit = config.get(own) if own else config.get("MAX_CONTENT_LENGTH")
    return int(limit) if limit else None


class _ChunkedBodies:
    """A chunked request body (no Content-Length) is read here, up to MAX_CONTENT_LENGTH: over
    it, 413 `payload_too_large` at once; within it, the app gets the body with its length.
    Eventlet decodes chunks and ends the body but does not say so (`wsgi.input_terminated`),
    so Werkzeug would read such a body as empty; and where a server does say so, Werkzeug
    cuts an endless body at the limit without an error. Here the answer is always 413."""

    def __init__(self, app: Any, config: Any) -> None:
        self.app = app
        self.config = config

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        stream = environ.get("wsgi.input")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        terminated = environ.get("wsgi.input_terminated") or (
            type(stream).__module__ == "eventlet.wsgi" and getattr(stream, "chunked_input", False)
        )
        if not (chunked and terminated and stream is not None):
            return self.app(environ, start_response)
        limit = body_limit(self.config, environ.get("PATH_INFO", ""))
        body = bytearray()
        while limit is None or len(body) <= limit:
            part = stream.read(65536 if limit is None else min(65536, limit + 1 - len(body)))
            if not part:
                break
            body.extend(part)
        if limit is not None and len(body) > limit:
            return _too_large(start_response)
        environ["wsgi.input"] = io.BytesIO(bytes(body))
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)


def _too_large(start_response: Any) -> list[bytes]:
    message = "The request body is larger than this server accepts (MAX_CONTENT_LENGTH)."
    body = json.dumps({"error": {"code": "payload_too_large", "message": message}}).encode()
    start_response(
        "413 Request Entity Too Large",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ],
    )
    return [body]


def _body_limit(app: Flask) -> None:
    """A body announced larger than MAX_CONTENT_LENGTH is refused before any route runs, even
    one that never reads it (Flask itself only checks when the body is read); any other body
    is read in full first."""

    @app.before_request
    def _refuse_large_bodies() -> None:
        limit = body_limit(app.config, request.path)
        if limit is not None:
            # Werkzeug's own check (form and file parsing) follows the path's limit too.
            request.max_content_length = limit
        if limit is not None and (request.content_length or 0) > int(limit):
            abort(413)
        if request.content_length:
            # The whole body is read before any route runs, so no route can take the write
            # lock (begin_write) and then wait for a slow upload: under eventlet that wait
            # would hold the lock for every other writer.
            request.get_data(cache=True)


def _access_log(app: Flask, policy: str) -> None:
    """Log each request by path only: query strings may carry participant tokens."""

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        log.info(
            "%s %s %s %.1fms",
            request.method,
            loggable_path(redacted_path(request.path)),
            response.status_code,
            elapsed,
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Content-Security-Policy", policy)
        own = response.headers.get("Content-Security-Policy")
        if own is not None and "frame-ancestors" not in own:
            response.headers["Content-Security-Policy"] = f"{own}; {EVERY_PAGE}"
        return response
