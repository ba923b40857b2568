"""The application factory: configuration, database, HTTP routes and Socket.IO handlers."""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from .config import from_environment
from .extensions import socketio
from .persistence import db
from .realtime import codec
from .realtime.broadcast import Coalescer
from .web import activity_scripts, static_files
from .web.headers import loggable_path, redacted_path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("workshop.http")

# Pages load scripts, styles and images only from this server; sockets go back to it too.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
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
    from .web import views

    app.register_blueprint(views.bp)
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
    _access_log(app)
    return app


def _access_log(app: Flask) -> None:
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
            response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        return response
