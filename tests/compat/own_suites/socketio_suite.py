"""Pytest plugin for Flask-SocketIO's own suite (``-p socketio_suite``), on
erlen (after ``-p erlen_flask_patch``) and on the real Flask alike.

The threading mode. python-engineio picks eventlet or gevent when either is
installed (another suite's dependency may bring it): the suite's background
task is then a green thread that its ``time.sleep`` never lets run, and
``test_background_task`` fails, on Flask too. Here the server always takes
the threading mode, the one it takes without them.
"""

from __future__ import annotations

from typing import Any

import engineio


def _threading_only(self: Any) -> list[str]:
    return ["threading"]


engineio.Server.async_modes = _threading_only  # type: ignore[method-assign]
