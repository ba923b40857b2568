"""The JSON codec Socket.IO packets are written with: plain JSON, except that a snapshot shared
by many phones is serialised once and spliced into each phone's packet beside its own `me`.

With 1,000 phones a phase change used to serialise 1,000 full snapshots; now it serialises one
shared snapshot and 1,000 small `me` objects.
"""

from __future__ import annotations

import json
from typing import Any

SEPARATORS = (",", ":")


class Shared:
    """A JSON object serialised once, to be sent to many connections."""

    def __init__(self, body: dict[str, Any]) -> None:
        if not body:
            raise ValueError("a shared snapshot cannot be empty")
        self.body = body
        self.encoded = json.dumps(body, separators=SEPARATORS)


class WithMe:
    """A shared object plus one connection's `me`: `{...shared, "me": me}` on the wire."""

    def __init__(self, shared: Shared, me: dict[str, Any]) -> None:
        self.shared = shared
        self.me = me

    def encode(self) -> str:
        """The shared text with `"me"` appended as its last key."""
        return f'{self.shared.encoded[:-1]},"me":{json.dumps(self.me, separators=SEPARATORS)}}}'

    def as_dict(self) -> dict[str, Any]:
        """The same object as a plain dict (for acks and tests)."""
        return {**self.shared.body, "me": self.me}


def _encode(value: Any, **kwargs: Any) -> str:
    if isinstance(value, Shared):
        return value.encoded
    if isinstance(value, WithMe):
        return value.encode()
    return json.dumps(value, **kwargs)


def dumps(obj: Any, **kwargs: Any) -> str:
    """json.dumps, splicing in pre-serialised `Shared` and `WithMe` values of a packet."""
    if isinstance(obj, list) and any(isinstance(item, Shared | WithMe) for item in obj):
        return "[" + ",".join(_encode(item, **kwargs) for item in obj) + "]"
    return _encode(obj, **kwargs)


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """json.loads."""
    return json.loads(text, **kwargs)
