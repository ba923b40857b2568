"""Figures a test measured (payloads tried, trials, kills survived, latency under flood),
printed together at the end of the run so they can be read off the CI log.

A test takes the `figure` fixture and calls it: `figure("votes:set race", "100 of 100 trials")`.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTION = "figures measured by the tests"


@dataclass(frozen=True)
class Figure:
    test: str
    name: str
    value: str


RECORDED: list[Figure] = []


def record(test: str, name: str, value: str) -> None:
    """Keep one figure, and print it at once too (visible with `-s`)."""
    RECORDED.append(Figure(test, name, value))
    print(f"FIGURE {name}: {value}")


def lines() -> list[str]:
    """One line per figure, in the order they were measured."""
    return [f"{item.name}: {item.value}  ({item.test})" for item in RECORDED]
