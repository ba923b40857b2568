"""Render one plan file in a process of its own: `python -m workshop.plan.worker <format>`
reads a render request (`request(document)`: the plan document as JSON, `PlanDocument.as_dict()`,
with the renderers' words that are not part of the plan's data) on stdin and writes the file's
bytes to stdout. The server runs it per render (see `workshop/offload.py`), so a PDF's CPU
time never competes with the event loop. A bare `as_dict()` on stdin is read too."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import Any

from . import RENDERERS, PlanDocument, from_dict


def request(document: PlanDocument) -> bytes:
    """What the worker reads on stdin to render `document` exactly as this process would."""
    job = {"document": document.as_dict(), "unchosen": sorted(document.unchosen)}
    return json.dumps(job, ensure_ascii=False).encode("utf-8")


def read_request(data: dict[str, Any]) -> PlanDocument:
    """The document of a render request (or of a bare `as_dict()`)."""
    if "document" not in data:
        return from_dict(data)
    document = from_dict(data["document"])
    return replace(document, unchosen=frozenset(str(label) for label in data["unchosen"]))


def main(argv: list[str]) -> int:
    """Exit status 0 with the file on stdout; 2 with a message on stderr otherwise."""
    if len(argv) != 1 or argv[0] not in RENDERERS:
        sys.stderr.write(f"usage: python -m workshop.plan.worker {{{','.join(RENDERERS)}}}\n")
        return 2
    document = read_request(json.loads(sys.stdin.buffer.read().decode("utf-8")))
    sys.stdout.buffer.write(RENDERERS[argv[0]].render(document))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
