"""Start the production server: eventlet, Flask-SocketIO, configuration from the environment.

Eventlet-specific code lives here and nowhere else, so the app can move to gevent later.
"""

from __future__ import annotations

import warnings

# Eventlet warns on import that it is in maintenance mode; that is for us, not for users.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import logging  # noqa: E402

from workshop import create_app  # noqa: E402
from workshop.extensions import socketio  # noqa: E402


def main() -> None:
    """Create the app and serve it until interrupted."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app({"ASYNC_MODE": "eventlet"})
    host, port = app.config["HOST"], app.config["PORT"]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    logging.getLogger("workshop").info("Strategy Workshop at http://%s:%s/", shown, port)
    socketio.run(app, host=host, port=port, log_output=False)


if __name__ == "__main__":
    main()
