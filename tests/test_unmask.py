"""The production server unmasks websocket frames with one integer XOR (app.fast_unmask) instead
of eventlet's loop over every byte: same bytes out for every length, offset and mask."""

from __future__ import annotations

import random
import time
import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from eventlet.websocket import RFC6455WebSocket

from app import fast_unmask

ORIGINAL = RFC6455WebSocket.__dict__["_apply_mask"].__func__


def test_fast_unmask_gives_eventlets_bytes_for_every_length_offset_and_mask() -> None:
    rng = random.Random(18)
    tried = 0
    for size in [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 125, 126, 1000, 4099]:
        for offset in range(9):
            mask = bytes(rng.randrange(256) for _ in range(4))
            data = bytes(rng.randrange(256) for _ in range(size + rng.randrange(3)))
            length = size if data else None
            assert fast_unmask(data, mask, length, offset) == ORIGINAL(data, mask, length, offset)
            assert fast_unmask(bytearray(data), mask, None, offset) == ORIGINAL(
                data, mask, None, offset
            )
            tried += 1
    assert tried == 15 * 9


def test_unmasking_twice_gives_the_frame_back() -> None:
    frame = "héllo, 团队 💪".encode() * 100
    mask = b"\x01\xfe\x7f\x80"
    assert fast_unmask(fast_unmask(frame, mask), mask) == frame


def test_a_60_kb_frame_unmasks_to_eventlets_bytes_and_the_time_of_each_is_printed(
    figure: Any,
) -> None:
    data = bytes(random.Random(1).randrange(256) for _ in range(60_000))
    mask = b"\x12\x34\x56\x78"
    started = time.perf_counter()
    expected = ORIGINAL(data, mask)
    loop = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(10):
        unmasked = fast_unmask(data, mask)
    fast = (time.perf_counter() - started) / 10
    assert unmasked == expected
    figure(
        "unmasking a 60 KB websocket frame",
        f"eventlet's loop {loop * 1000:.1f} ms, app.fast_unmask {fast * 1000:.2f} ms "
        f"({loop / fast:.0f}x faster)",
    )
