"""Secrets: random facilitator keys, participant tokens and join codes, and how they are stored."""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L: a join code is read off a projector across a room.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_secret() -> str:
    """A 192-bit random secret, URL-safe."""
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    """SHA-256 of a secret. The secrets are 192 random bits, so a fast hash is enough."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_join_code() -> str:
    """A 6-character join code from an alphabet without look-alike characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """Join codes are typed on phones: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def new_workshop_id() -> str:
    """An unguessable workshop id for URLs (the facilitator key is still needed to act)."""
    return secrets.token_hex(8)


def matches_any(hashed: str, *stored: str | None) -> bool:
    """Whether `hashed` equals one of the stored hashes (None: none stored), each compared in
    constant time, all of them compared whatever the first answers."""
    found = False
    for candidate in stored:
        same = secrets.compare_digest(hashed.encode(), (candidate or "").encode())
        found = found or (same and bool(candidate))
    return found
