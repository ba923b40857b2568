"""Serve the app with the poll plug-in, as a host that installs a third-party activity would:
one `register()` call, then `app.py`'s own `main()` (eventlet, configured by env).

Run from the repository root: `python -m tests.plugins.serve_poll`.
"""

from __future__ import annotations

if __name__ == "__main__":
    import warnings

    # As app.py does: eventlet patches first, and its deprecation notice is for us, not users.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

    import eventlet

    eventlet.monkey_patch()

import app
from tests.plugins.poll import Poll
from workshop import activities


def main() -> None:
    """Register the poll, then run the production server."""
    activities.register(Poll())
    app.main()


if __name__ == "__main__":
    main()
