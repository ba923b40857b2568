"""Benchmark a real server with many phones: join, ideas, state fan-out, votes and tallies.

Starts `python app.py` (eventlet, as in production) on a free port with a temporary SQLite
database, connects N participants over websocket with python-socketio's asyncio client, and
prints what a facilitator would feel: ack latencies, how long a phase change takes to reach
every phone, and how many tallies the console receives for a burst of votes. Beside them, the
server's own CPU time for each burst (read from /proc; each burst is followed by a pause of
`SETTLE` seconds so the coalesced events it caused are counted with it): latency on a shared
machine swings with whatever else runs, CPU time much less.

    python -m pip install -e '.[bench]'
    python bench/realtime.py --participants 200
    python bench/realtime.py --participants 500 --against <git revision>

With `--against`, the same steps run first against the server of that revision (checked out
into a temporary git worktree) and then against this checkout, one after the other in one
run, and a table prints both with their ratio, because this machine is shared and noisy.
`--repeat K` runs the two K times, alternating which goes first (reference, this tree, this
tree, reference, ...), and compares their medians; `--max-ratio R` exits non-zero when any
figure of this tree is worse than R times the reference's (slower for a time, R times fewer
for a rate):

    python bench/realtime.py --participants 300 --against 8047520 --repeat 2 --max-ratio 1.1

`--poll` measures the generic entries table on the real server instead: this tree with the
poll plug-in registered (`tests/plugins/serve_poll.py`), one stage running a dot vote (its
typed `dotvote` rows) and then a poll (one JSON row per phone in `entry`), 3 bursts of N
writes each, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import socketio

ROOT = Path(__file__).resolve().parent.parent
RESUMES = 10
# Seconds to wait after a burst for the coalesced events it caused (participants, tallies).
SETTLE = 1.0
# Figures where more is better; for the others (times) less is better.
MORE_IS_BETTER = frozenset({"ideas per second", "votes per second", "phones that got the state"})
# How many tallies the console got is how coalescing behaved, not a cost: shown, not bounded.
NOT_BOUNDED = frozenset({"tallies"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    port: int,
    db_path: Path,
    log_path: Path,
    root: Path = ROOT,
    command: tuple[str, ...] = ("app.py",),
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SECRET_KEY": "bench",
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, *command], cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start; see {log_path}")


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return f"{label}: no samples"
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"{label:<34} n={len(ms):<5} p50={statistics.median(ms):7.1f} ms  "
        f"p95={p95:7.1f} ms  max={ms[-1]:7.1f} ms"
    )


class Phone:
    """One participant's connection, timing when server events arrive."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.state_at: list[float] = []
        self.client.on("state", self._on_state)

    async def _on_state(self, _data: Any) -> None:
        self.state_at.append(time.perf_counter())

    async def connect(self) -> None:
        await self.client.connect(self.url, transports=["websocket"], wait_timeout=30)

    async def call(self, event: str, data: dict[str, Any]) -> tuple[dict[str, Any], float]:
        started = time.perf_counter()
        reply: dict[str, Any] = await self.client.call(event, data, timeout=60)
        return reply, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux); NaN elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    # The fields after the command's closing parenthesis start at field 3; utime and stime
    # are fields 14 and 15, in clock ticks.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(
    participants: int, url: str, server_cpu: Callable[[], float] = lambda: float("nan")
) -> dict[str, float]:
    """The steps against a running server; `server_cpu` reads the server's CPU seconds, so
    each burst's CPU cost (its aftermath included) is reported beside what the phones felt:
    on a shared machine CPU time varies far less than latency."""
    created = post_json(f"{url}/api/workshops", {"title": "Benchmark"})
    print(f"server {url}, {participants} participants over websocket\n")

    facilitator = socketio.AsyncClient(reconnection=False)
    tallies: list[dict[str, Any]] = []
    facilitator.on("tally", lambda data: tallies.append(data))
    await facilitator.connect(url, transports=["websocket"])
    state = (
        await facilitator.call(
            "facilitate", {"workshop_id": created["id"], "key": created["facilitator_key"]}
        )
    )["state"]
    stage_id = state["stages"][0]["id"]
    # A new workshop waits in its lobby; the facilitator opens the first brainstorm (in a
    # revision without the lobby this re-selects the open brainstorm, so --against still works).
    reply = await facilitator.call("stage:phase", {"stage_id": stage_id, "phase": "brainstorm"})
    assert reply["ok"], reply

    phones = [Phone(url) for _ in range(participants)]
    started = time.perf_counter()
    await asyncio.gather(*(phone.connect() for phone in phones))
    connect_all = time.perf_counter() - started

    cpu = server_cpu()
    joins = await asyncio.gather(
        *(
            phone.call("join", {"code": created["code"], "name": f"P{i}"})
            for i, phone in enumerate(phones)
        )
    )
    assert all(reply["ok"] for reply, _ in joins)
    tokens = [reply["token"] for reply, _ in joins]
    # Let the coalesced events the burst caused go out before the next burst starts.
    await asyncio.sleep(SETTLE)
    joins_cpu = server_cpu() - cpu

    cpu = server_cpu()
    started = time.perf_counter()
    ideas = await asyncio.gather(
        *(
            phone.call(
                "idea:submit", {"stage_id": stage_id, "text": f"Idea {i}", "client_id": f"c{i}"}
            )
            for i, phone in enumerate(phones)
        )
    )
    ideas_wall = time.perf_counter() - started
    assert all(reply["ok"] for reply, _ in ideas)
    idea_ids = [reply["idea"]["id"] for reply, _ in ideas]
    await asyncio.sleep(SETTLE)
    ideas_cpu = server_cpu() - cpu

    for phone in phones:
        phone.state_at.clear()
    cpu = server_cpu()
    sent = time.perf_counter()
    reply = await facilitator.call(
        "stage:phase", {"stage_id": stage_id, "phase": "vote"}, timeout=60
    )
    assert reply["ok"], reply
    phase_ack = time.perf_counter() - sent
    deadline = time.perf_counter() + 60
    while any(not phone.state_at for phone in phones) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    fanout = [phone.state_at[0] - sent for phone in phones if phone.state_at]
    phase_cpu = server_cpu() - cpu

    tallies.clear()
    cpu = server_cpu()
    started = time.perf_counter()
    votes = []
    for round_ in range(3):
        votes += await asyncio.gather(
            *(
                phone.call(
                    "votes:set",
                    {
                        "stage_id": stage_id,
                        "votes": {str(idea_ids[(i + round_) % len(idea_ids)]): 2},
                    },
                )
                for i, phone in enumerate(phones)
            )
        )
    votes_wall = time.perf_counter() - started
    assert all(reply["ok"] for reply, _ in votes)
    await asyncio.sleep(1.5)
    votes_cpu = server_cpu() - cpu

    # Phones that reconnect, one after another: a new connection resumes with its token. One
    # resume on an idle server takes a few milliseconds, so a single sample is mostly noise.
    resumes = []
    for token in tokens[:RESUMES]:
        again = Phone(url)
        await again.connect()
        resume, resume_time = await again.call("join", {"code": created["code"], "token": token})
        assert resume["ok"] and resume["resumed"]
        resumes.append(resume_time)
        await again.client.disconnect()

    print(f"{'connect all (websocket)':<34} {connect_all * 1000:7.1f} ms for {participants}")
    print(summary("join ack", [t for _, t in joins]))
    print(summary("idea:submit ack", [t for _, t in ideas]))
    print(f"{'ideas throughput':<34} {participants / ideas_wall:7.1f} ideas/s")
    print(f"{'stage:phase ack (builds all states)':<34} {phase_ack * 1000:7.1f} ms")
    print(summary("state fan-out to every phone", fanout))
    print(f"{'phones that got the state':<34} {len(fanout)}/{participants}")
    print(summary("votes:set ack", [t for _, t in votes]))
    print(f"{'votes throughput':<34} {len(votes) / votes_wall:7.1f} votes/s")
    print(f"{'tallies for ' + str(len(votes)) + ' votes':<34} {len(tallies)}")
    print(summary("resume with token (one at a time)", resumes))
    print(
        f"{'server CPU':<34} joins {joins_cpu:.2f} s, ideas {ideas_cpu:.2f} s, "
        f"phase change {phase_cpu:.2f} s, votes and tallies {votes_cpu:.2f} s"
    )

    figures = {
        "connect all (s)": connect_all,
        "join ack p95 (s)": percentile([t for _, t in joins], 0.95),
        "idea:submit ack p95 (s)": percentile([t for _, t in ideas], 0.95),
        "ideas per second": participants / ideas_wall,
        "stage:phase ack (s)": phase_ack,
        "state fan-out p95 (s)": percentile(fanout, 0.95),
        "phones that got the state": float(len(fanout)),
        "votes:set ack p95 (s)": percentile([t for _, t in votes], 0.95),
        "votes per second": len(votes) / votes_wall,
        "tallies": float(len(tallies)),
        "resume with token p50 (s)": statistics.median(resumes),
        "server CPU: joins (s)": joins_cpu,
        "server CPU: ideas (s)": ideas_cpu,
        "server CPU: phase change (s)": phase_cpu,
        "server CPU: votes, tallies (s)": votes_cpu,
    }
    await asyncio.gather(*(phone.client.disconnect() for phone in phones))
    await facilitator.disconnect()
    return figures


async def burst(
    phones: list[Phone], event: str, payload: Callable[[int, int], dict[str, Any]]
) -> tuple[list[float], float]:
    """Three bursts of `event` from every phone (`payload(phone index, round)`): each ack's
    seconds, and the writes per second."""
    started = time.perf_counter()
    replies: list[tuple[dict[str, Any], float]] = []
    for round_ in range(3):
        replies += await asyncio.gather(
            *(phone.call(event, payload(i, round_)) for i, phone in enumerate(phones))
        )
    wall = time.perf_counter() - started
    assert all(reply["ok"] for reply, _ in replies), next(r for r, _ in replies if not r["ok"])
    return [t for _, t in replies], len(replies) / wall


async def run_poll(
    participants: int, url: str, server_cpu: Callable[[], float], poll_first: bool = False
) -> dict[str, dict[str, float]]:
    """The dot vote (its typed `dotvote` rows) and the poll plug-in (the generic JSON `entry`
    table) on one stage of one server: N phones send an idea each, then 3 bursts of N
    `votes:set`, then 3 bursts of N `poll:pick` on the same ideas (the poll first when
    `poll_first`). Both writes replace one entry, move the counters and schedule a tally; the
    vote's checks its budget too."""
    created = post_json(f"{url}/api/workshops", {"title": "Benchmark"})
    order = ("poll", "vote") if poll_first else ("vote", "poll")
    steps = [{"kind": kind} for kind in ("brainstorm", *order, "done")]
    stage = {"key": "goals", "title": "Goals", "prompt": "What should we aim for?", "steps": steps}
    request = urllib.request.Request(
        f"{url}/api/workshops/{created['id']}/agenda",
        data=json.dumps({"stages": [stage]}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {created['facilitator_key']}",
        },
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass
    facilitator = socketio.AsyncClient(reconnection=False)
    await facilitator.connect(url, transports=["websocket"])
    state = (
        await facilitator.call(
            "facilitate", {"workshop_id": created["id"], "key": created["facilitator_key"]}
        )
    )["state"]
    stage_id = state["stages"][0]["id"]
    for phase in ("brainstorm",):
        reply = await facilitator.call("stage:phase", {"stage_id": stage_id, "phase": phase})
        assert reply["ok"], reply
    phones = [Phone(url) for _ in range(participants)]
    await asyncio.gather(*(phone.connect() for phone in phones))
    joins = await asyncio.gather(
        *(phone.call("join", {"code": created["code"]}) for phone in phones)
    )
    assert all(reply["ok"] for reply, _ in joins)
    ideas = await asyncio.gather(
        *(
            phone.call("idea:submit", {"stage_id": stage_id, "text": f"Idea {i}"})
            for i, phone in enumerate(phones)
        )
    )
    idea_ids = [reply["idea"]["id"] for reply, _ in ideas]
    out: dict[str, dict[str, float]] = {}
    writes: dict[str, tuple[str, Callable[[int, int], dict[str, Any]]]] = {
        "vote": (
            "votes:set",
            lambda i, r: {
                "stage_id": stage_id,
                "votes": {str(idea_ids[(i + r) % len(idea_ids)]): 2},
            },
        ),
        "poll": (
            "poll:pick",
            lambda i, r: {"stage_id": stage_id, "idea_id": idea_ids[(i + r) % len(idea_ids)]},
        ),
    }
    for kind in order:
        event, payload = writes[kind]
        reply = await facilitator.call("stage:phase", {"stage_id": stage_id, "phase": kind})
        assert reply["ok"], reply
        await asyncio.sleep(SETTLE)
        cpu = server_cpu()
        acks, rate = await burst(phones, event, payload)
        await asyncio.sleep(1.5)
        out[kind] = {
            "ack p50 (s)": statistics.median(acks),
            "ack p95 (s)": percentile(acks, 0.95),
            "writes per second": rate,
            "server CPU (s)": server_cpu() - cpu,
        }
        print(summary(f"{event} ack", acks))
    await asyncio.gather(*(phone.client.disconnect() for phone in phones))
    await facilitator.disconnect()
    return out


def measure_poll(participants: int, repeat: int) -> None:
    """The vote and the poll side by side on this tree's server with the poll plug-in
    registered (`tests/plugins/serve_poll.py`), `repeat` times, alternating which goes first;
    medians and poll / vote."""
    runs: list[dict[str, dict[str, float]]] = []
    for run_ in range(1, repeat + 1):
        print(f"--- poll run {run_}/{repeat}")
        with serving(command=("-m", "tests.plugins.serve_poll")) as (url, server_cpu):
            # The vote first in odd runs, the poll first in even ones.
            poll_first = run_ % 2 == 0
            runs.append(asyncio.run(run_poll(participants, url, server_cpu, poll_first)))
    print(
        f"\n3 x {participants} writes on one stage, medians of {repeat} run(s); "
        "ratio = poll (JSON entry) / vote (typed rows)"
    )
    print(f"{'figure':<31} {'votes:set':>12} {'poll:pick':>12} {'ratio':>7}  spread (min-max)")
    for name in runs[0]["vote"]:
        vote = statistics.median(r["vote"][name] for r in runs)
        poll = statistics.median(r["poll"][name] for r in runs)
        ratio = poll / vote if vote else float("nan")
        spread = " / ".join(
            f"{min(r[kind][name] for r in runs):.3f}-{max(r[kind][name] for r in runs):.3f}"
            for kind in ("vote", "poll")
        )
        print(f"{name:<31} {vote:12.3f} {poll:12.3f} {ratio:7.2f}  {spread}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


@contextmanager
def serving(
    root: Path = ROOT, command: tuple[str, ...] = ("app.py",)
) -> Iterator[tuple[str, Callable[[], float]]]:
    """A server of the checkout at `root` on a free port with a new database: its URL and a
    reader of its CPU seconds. Stopped on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(
            port, Path(tmp) / "bench.sqlite3", Path(tmp) / "server.log", root, command
        )
        try:
            yield f"http://127.0.0.1:{port}", partial(cpu_seconds, server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def measure(participants: int, root: Path) -> dict[str, float]:
    """Start the server of the checkout at `root`, run the benchmark against it, stop it."""
    with serving(root) as (url, server_cpu):
        return asyncio.run(run(participants, url, server_cpu))


def worse_by(name: str, ratio: float) -> float:
    """How many times worse this tree is than the reference (above 1 is worse)."""
    return 1 / ratio if name in MORE_IS_BETTER else ratio


def compare(
    reference: list[dict[str, float]],
    current: list[dict[str, float]],
    revision: str,
    max_ratio: float | None = None,
) -> list[str]:
    """Print both sides' medians (and their spread over the runs) with this tree / reference;
    return the figures worse than `max_ratio`."""
    runs = len(reference)
    print(
        f"\nmedians of {runs} run(s) each, alternating (ABBA); ratio = this tree / {revision[:12]}"
    )
    print(f"{'figure':<31} {revision[:12]:>12} {'this tree':>12} {'ratio':>7}  spread (min-max)")
    missed = []
    for name in reference[0]:
        before = statistics.median(run[name] for run in reference)
        after = statistics.median(run[name] for run in current)
        ratio = after / before if before else float("nan")
        mark = ""
        if max_ratio is not None and name not in NOT_BOUNDED and worse_by(name, ratio) > max_ratio:
            missed.append(name)
            mark = f"  worse than {max_ratio}x"
            low, high = (min(r[name] for r in reference), max(r[name] for r in reference))
            if any(low <= r[name] <= high for r in current):
                # A run of this tree fell within the reference's own range: likely noise.
                mark += ", within the reference's range"
        spread = " / ".join(
            f"{min(r[name] for r in side):.3f}-{max(r[name] for r in side):.3f}"
            for side in (reference, current)
        )
        print(f"{name:<31} {before:12.3f} {after:12.3f} {ratio:7.2f}  {spread}{mark}")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--against", help="a git revision to compare with, in the same run")
    parser.add_argument(
        "--repeat", type=int, default=1, help="with --against: alternate the two K times"
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="instead: the dot vote and the poll plug-in (generic entry table) side by side",
    )
    parser.add_argument(
        "--max-ratio",
        type=float,
        help="with --against: exit 1 when a figure is more than R times worse than the reference",
    )
    args = parser.parse_args()
    if args.poll:
        measure_poll(args.participants, args.repeat)
        return
    if not args.against:
        for _ in range(args.repeat):
            measure(args.participants, ROOT)
        return
    reference: list[dict[str, float]] = []
    current: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "reference"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), args.against],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            # Reference first in odd runs, this tree first in even ones (ABBA), so a machine
            # that slows down or speeds up during the run favours neither side.
            sides = [(f"reference: {args.against}", tree, reference), ("this tree", ROOT, current)]
            for run in range(1, args.repeat + 1):
                for label, root, figures in sides if run % 2 else sides[::-1]:
                    print(f"--- run {run}/{args.repeat}, {label}")
                    figures.append(measure(args.participants, root))
                    print()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    missed = compare(reference, current, args.against, args.max_ratio)
    if missed:
        raise SystemExit(
            f"\n{len(missed)} figure(s) more than {args.max_ratio}x worse than "
            f"{args.against}: {', '.join(missed)}"
        )


if __name__ == "__main__":
    main()
