"""The optional admin of the whole server (`/admin`), when ADMIN_PASSWORD is set: every
workshop listed with search, status, size and last activity; open its console, export it as
JSON, import such a file into a new workshop, delete it. Without ADMIN_PASSWORD: 404.

Owner: helper B4 (issue 20). Contract: see /work/brief/common.md.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__)


def init_app(app: Flask) -> None:
    """Keep only a hash of ADMIN_PASSWORD (removed from the config) and register `/admin`."""
    app.register_blueprint(bp)
