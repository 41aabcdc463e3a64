"""The real servers a serving test module runs, one per name for the whole
module: ``pytest_generate_tests = parametrize_servers``."""

from __future__ import annotations

import pytest

ASGI_SERVER_NAMES = ["uvicorn", "hypercorn", "granian-asgi"]
# The ASGI servers come first: pytest groups module-scoped parameters by their
# position in the list, so the WebSocket tests (parametrised with the ASGI
# names only) reuse the servers the HTTP tests started instead of new ones.
SERVER_NAMES = [*ASGI_SERVER_NAMES, "gunicorn", "uwsgi", "uwsgi-protocol", "granian-wsgi"]


def parametrize_servers(metafunc: pytest.Metafunc) -> None:
    """Give a ``server`` fixture every server name (the ASGI ones only to
    tests named ``test_websocket*``), module-scoped."""
    if "server" in metafunc.fixturenames:
        websocket_test = metafunc.function.__name__.startswith("test_websocket")
        names = ASGI_SERVER_NAMES if websocket_test else SERVER_NAMES
        metafunc.parametrize("server", names, indirect=True, scope="module")
