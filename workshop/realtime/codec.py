"""The JSON codec Socket.IO packets are written with: plain JSON, except that a snapshot shared
by many phones is serialised once and spliced into each phone's packet beside its own `me`.

With 1,000 phones a phase change used to serialise 1,000 full snapshots; now it serialises one
shared snapshot and 1,000 small `me` objects.

It also reads packets, and a packet nobody should send is not an error of the server: JSON
nested deeper than the interpreter recurses, a number of 5,000 digits (Python refuses ints over
4,300 digits) and text that is not JSON raise `MalformedJSON`, a ValueError, never a
RecursionError. An event packet whose arguments do not decode, or whose name is not a string,
becomes the event `MALFORMED` (see `Packet`), which the handlers answer `invalid_payload`: the
client still gets its ack.
"""

from __future__ import annotations

import json
from typing import Any

from socketio import packet as sio_packet

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


class MalformedJSON(ValueError):
    """A packet's JSON could not be read (too deep, too big a number, not JSON at all)."""


MALFORMED = "\x00malformed"
"""The event name a malformed event packet is delivered under (no client event has a NUL)."""


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """json.loads; anything it cannot read raises `MalformedJSON` (a ValueError).

    Engine.IO tries JSON on some packets and keeps the text on a ValueError; Socket.IO's
    packets are read by `Packet` below, which turns the error into an answerable event."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise MalformedJSON("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and int() over sys.get_int_max_str_digits()
        raise MalformedJSON(str(exc)[:120]) from None


class Packet(sio_packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet whose event arguments may be malformed without raising.

    An EVENT whose JSON does not decode, or whose first element is not an event name, keeps its
    ack id and becomes `[MALFORMED, reason]`, so the server can answer it `invalid_payload`.
    Anything else that does not decode still raises (no ack is possible); `limits.guard` logs
    it as one line."""

    def decode(self, encoded_packet: Any) -> int:
        try:
            attachments: int = super().decode(encoded_packet)
        except MalformedJSON as exc:
            if self.packet_type != sio_packet.EVENT:
                raise
            self.data = [MALFORMED, str(exc)]
            return 0
        if self.packet_type in (sio_packet.EVENT, sio_packet.BINARY_EVENT) and not (
            isinstance(self.data, list) and self.data and isinstance(self.data[0], str)
        ):
            self.data = [MALFORMED, "an event is a list that starts with its name"]
        return attachments
