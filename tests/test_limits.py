"""Rate limits and payload bounds: the pure token buckets, and the edge that applies them."""

from __future__ import annotations

import pytest

from workshop.core.ratelimit import Buckets, RateLimited

# --------------------------------------------------------------------------- Buckets (pure)


def test_a_full_bucket_allows_its_burst_then_refuses() -> None:
    buckets = Buckets(rate=20, burst=40)
    assert all(buckets.take("sid", now=0.0) for _ in range(40))
    assert buckets.take("sid", now=0.0) is False
    assert buckets.take("sid", now=0.0) is False


def test_tokens_come_back_at_the_rate() -> None:
    buckets = Buckets(rate=20, burst=40)
    for _ in range(40):
        buckets.take("sid", now=0.0)
    assert buckets.take("sid", now=0.04) is False  # 0.8 of a token
    assert buckets.take("sid", now=0.05) is True  # one token
    assert buckets.take("sid", now=0.05) is False
    # Half a second later: 10 more.
    assert sum(buckets.take("sid", now=0.55) for _ in range(20)) == 10


def test_a_refused_take_costs_nothing() -> None:
    """Hammering an empty bucket does not push the next allowed event further away."""
    buckets = Buckets(rate=1, burst=1)
    assert buckets.take("k", now=0.0)
    for step in range(1, 100):
        assert buckets.take("k", now=step / 100) is False
    assert buckets.take("k", now=1.0) is True


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    buckets = Buckets(rate=100, burst=3)
    buckets.take("k", now=0.0)
    allowed = sum(buckets.take("k", now=3600.0) for _ in range(10))
    assert allowed == 3


def test_keys_are_independent() -> None:
    buckets = Buckets(rate=1, burst=2)
    assert buckets.take("a", now=0.0) and buckets.take("a", now=0.0)
    assert buckets.take("a", now=0.0) is False
    assert buckets.take("b", now=0.0) is True
    assert buckets.take(("10.0.0.1", 1), now=0.0) is True


@pytest.mark.parametrize(
    ("taken", "at", "expected"),
    [
        (0, 0.0, 0.0),  # untouched: now
        (2, 0.0, 0.5),  # empty: one token at rate 2
        (2, 0.25, 0.25),
        (2, 0.5, 0.0),
        (1, 0.0, 0.0),  # one left
    ],
)
def test_retry_after_says_when_the_next_token_comes(taken: int, at: float, expected: float) -> None:
    buckets = Buckets(rate=2, burst=2)
    for _ in range(taken):
        buckets.take("k", now=0.0)
    assert buckets.retry_after("k", now=at) == pytest.approx(expected)


def test_waiting_retry_after_is_always_enough() -> None:
    buckets = Buckets(rate=3, burst=1)
    buckets.take("k", now=0.0)
    wait = buckets.retry_after("k", now=0.1)
    assert wait > 0
    assert buckets.take("k", now=0.1 + wait) is True


def test_retry_after_does_not_create_a_key() -> None:
    buckets = Buckets(rate=1, burst=1)
    assert buckets.retry_after("ghost", now=0.0) == 0.0
    assert len(buckets) == 0


def test_the_oldest_keys_are_dropped_beyond_max_keys() -> None:
    buckets = Buckets(rate=1, burst=1, max_keys=3)
    for key in "abc":
        assert buckets.take(key, now=0.0)
    assert buckets.take("a", now=0.0) is False  # "a" is now the most recently used
    assert buckets.take("d", now=0.0)  # drops "b", the least recently used
    assert len(buckets) == 3
    assert buckets.take("b", now=0.0) is True  # forgotten: a full bucket again (drops "c")
    assert buckets.take("a", now=0.0) is False  # still remembered


def test_forget_gives_a_key_a_full_bucket() -> None:
    buckets = Buckets(rate=1, burst=1)
    buckets.take("k", now=0.0)
    buckets.forget("k")
    buckets.forget("never-seen")
    assert buckets.take("k", now=0.0) is True


def test_a_clock_going_backwards_refills_nothing() -> None:
    buckets = Buckets(rate=1, burst=1)
    buckets.take("k", now=10.0)
    assert buckets.take("k", now=5.0) is False


def test_without_now_the_monotonic_clock_is_used() -> None:
    buckets = Buckets(rate=1000, burst=1)
    assert buckets.take("k") is True
    assert 0.0 <= buckets.retry_after("k") <= 0.001


@pytest.mark.parametrize(
    ("rate", "burst", "max_keys"), [(0, 1, 10), (-1, 1, 10), (1, 0, 10), (1, 1, 0)]
)
def test_nonsense_settings_are_refused(rate: float, burst: float, max_keys: int) -> None:
    with pytest.raises(ValueError):
        Buckets(rate, burst, max_keys=max_keys)


def test_300_phones_behind_one_nat_join_within_a_minute_at_the_default_join_limit() -> None:
    """JOIN_RATE 5 / JOIN_BURST 60: 300 joins spread evenly over 60 s all pass."""
    buckets = Buckets(rate=5, burst=60)
    assert all(buckets.take("nat", now=i * 60 / 300) for i in range(300))


def test_rate_limited_carries_retry_after() -> None:
    error = RateLimited(0.25)
    assert error.code == "rate_limited"
    assert error.http_status == 429
    assert error.as_payload() == {
        "code": "rate_limited",
        "message": error.message,
        "retry_after": 0.25,
    }
