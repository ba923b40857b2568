"""One way to build a test app: its own SQLite file, quick tallies, no PUBLIC_URL, and the
settings a test needs on top."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from workshop import create_app


def make_app(database: Path, **config: Any) -> Flask:
    """An app on the SQLite file `database` (its folder is made); `config` overrides."""
    database.parent.mkdir(parents=True, exist_ok=True)
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "test-secret",
            "TALLY_INTERVAL": 0.05,
            "PUBLIC_URL": "",
            **config,
        }
    )
