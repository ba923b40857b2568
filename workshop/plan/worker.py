"""Render one plan file in a process of its own: `python -m workshop.plan.worker <format>`
reads the plan document as JSON (`PlanDocument.as_dict()`) on stdin and writes the file's
bytes to stdout. The server runs it per render (see `workshop/offload.py`), so a PDF's CPU
time never competes with the event loop."""

from __future__ import annotations

import json
import sys

from . import RENDERERS, from_dict


def main(argv: list[str]) -> int:
    """Exit status 0 with the file on stdout; 2 with a message on stderr otherwise."""
    if len(argv) != 1 or argv[0] not in RENDERERS:
        sys.stderr.write(f"usage: python -m workshop.plan.worker {{{','.join(RENDERERS)}}}\n")
        return 2
    document = from_dict(json.loads(sys.stdin.buffer.read().decode("utf-8")))
    sys.stdout.buffer.write(RENDERERS[argv[0]].render(document))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
