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


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Settings read from HOST, PORT, DATABASE_URL, SECRET_KEY, PUBLIC_URL and TALLY_INTERVAL."""
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
    }
