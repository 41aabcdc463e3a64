"""Flask-SocketIO's own test suite (the 5.7.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-SocketIO itself is the installed, unchanged extension, over the real
python-socketio and python-engineio; ``import flask`` and ``import
werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``), as for a
user who imports the patch first. Every test must pass except those listed
below, each with the reason; a listed test that starts passing fails this
test too, so the lists stay exact.

The suite (one file, test_socketio.py) drives the app through
Flask-SocketIO's test client, which hands python-socketio's server each
connection's WSGI environ and event packets directly: no server, no
network. Some tests build that environ with the app's test client
(``flask_test_client=``), whose cookies carry the session.

``-p socketio_suite`` (own_suites/socketio_suite.py) keeps python-engineio in
its threading mode, as without eventlet and gevent installed (with either,
``test_background_task`` fails on Flask too). Flask-SocketIO imports
``werkzeug.debug`` and ``werkzeug._reloader`` when it is imported:
``erlen.flask_patch`` maps them to erlen's debug page and reloader. Each
event handler runs in ``app.request_context(environ)`` and asks
``hasattr(flask.globals.app_ctx, "session")`` (Flask 3.2's way, which erlen's
``AppContext`` answers).
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

FLASK_SOCKETIO_VERSION = "5.7.0"

_PYTEST_ARGS = ("-p", "socketio_suite")

#: Flask-SocketIO's tests that fail on Flask-SocketIO 5.7.0 itself (with the
#: pinned Flask 3.1.3, python-socketio 5.18.1 and python-engineio 4.15.1):
#: none.
FAIL_ON_FLASK_SOCKETIO: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_socketio_suite_passes_on_erlen() -> None:
    # Flask-SocketIO and its python-socketio (the compare extra).
    require_test_dependency("flask_socketio", "Flask-SocketIO", "Flask-SocketIO")
    outcomes = run_or_skip(
        "Flask-SocketIO",
        FLASK_SOCKETIO_VERSION,
        "test_socketio.py",
        plugin="erlen_flask_patch",
        pytest_args=_PYTEST_ARGS,
    )
    # 43 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_SOCKETIO, min_passed=43
    )
