"""Configuration from the environment, with defaults that run on a fresh machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def load_secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written with owner-only permissions: the key signs nothing public, but keep it private.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, "").strip() or default)


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, "").strip() or default)


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Settings read from the environment (README's table lists each one with its default)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    default_db = f"sqlite:///{instance_path / 'workshop.sqlite3'}"
    return {
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("PORT", "5000")),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_db,
        "SECRET_KEY": load_secret_key(instance_path),
        # The address phones use to reach this server, when it differs from the facilitator's.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").strip(),
        # Seconds between coalesced tally broadcasts while votes are coming in.
        "TALLY_INTERVAL": float(os.environ.get("TALLY_INTERVAL", "0.5")),
        "ASYNC_MODE": "threading",
        # Limits (issue 18). A Socket.IO message over MAX_MESSAGE_BYTES is refused by engineio
        # (max_http_buffer_size); an HTTP body over MAX_CONTENT_LENGTH answers 413.
        "MAX_MESSAGE_BYTES": _int("MAX_MESSAGE_BYTES", 65536),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 262144),
        # Token buckets: per connection (events), per address (joins without a token, and
        # POST /api/workshops); a rate a second and a burst.
        "EVENT_RATE": _float("EVENT_RATE", 20.0),
        "EVENT_BURST": _float("EVENT_BURST", 40.0),
        "JOIN_RATE": _float("JOIN_RATE", 5.0),
        "JOIN_BURST": _float("JOIN_BURST", 300.0),
        "CREATE_RATE": _float("CREATE_RATE", 0.2),
        "CREATE_BURST": _float("CREATE_BURST", 10.0),
        # The participant cap a new workshop gets unless its creator asks for another.
        "MAX_PARTICIPANTS": _int("MAX_PARTICIPANTS", 2000),
        # Host names (comma list) a request may name; "" = this machine's own names and
        # addresses, localhost, HOST and PUBLIC_URL's host (workshop/web/hosts.py); "*" = any.
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", "").strip(),
        # Reverse proxies in front: their X-Forwarded-For/-Proto/-Host are trusted (ProxyFix).
        "FORWARDED_HOPS": _int("FORWARDED_HOPS", 0),
        # Plan files (issue 16): how `python app.py` renders PDF and DOCX: "eager" starts warm
        # render workers with the server, "lazy" on the first PDF or DOCX, "cold" a fresh
        # process per render (workshop/plan/warm.py).
        "RENDER_WORKERS": os.environ.get("RENDER_WORKERS", "eager").strip() or "eager",
        # The facilitator's home (issue 20): workshops finished more than RETENTION_DAYS days
        # ago are deleted at start and daily (None: kept for ever); ADMIN_PASSWORD ("": no
        # admin, /admin answers 404) opens /admin, and `web/admin.py` keeps only its hash.
        # Checked by `services.lifecycle.init_app` (a bad value stops the start-up, saying so).
        "RETENTION_DAYS": os.environ.get("RETENTION_DAYS", "").strip() or None,
        "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD", ""),
        # The largest workshop export file the admin may import (bytes).
        "MAX_IMPORT_BYTES": _int("MAX_IMPORT_BYTES", 20 * 1024 * 1024),
    }
