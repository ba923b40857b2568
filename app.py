"""Start the production server: eventlet, Flask-SocketIO, configuration from the environment.

Eventlet-specific code lives here and nowhere else, so the app can move to gevent later.
Importing this module (for `flask --app app` or in tests) does not monkey-patch anything;
running it as a script does, first thing.
"""

from __future__ import annotations

if __name__ == "__main__":
    import warnings

    # Eventlet warns on import that it is in maintenance mode; that is for us, not for users.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

    import eventlet

    eventlet.monkey_patch()

import logging

from workshop import create_app
from workshop.extensions import socketio

__all__ = ["create_app", "main", "socketio"]


def main() -> None:
    """Create the app and serve it with eventlet until interrupted."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic narrates every start; our own line says when the schema actually changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app({"ASYNC_MODE": "eventlet"})
    # Plan files render in child processes: neither the event loop nor its GIL waits for them.
    from workshop.offload import EXTENSION, render_in_child_process

    app.extensions[EXTENSION] = render_in_child_process
    host, port = app.config["HOST"], app.config["PORT"]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    logging.getLogger("workshop").info("Strategy Workshop at http://%s:%s/", shown, port)
    socketio.run(app, host=host, port=port, log_output=False)


if __name__ == "__main__":
    main()
