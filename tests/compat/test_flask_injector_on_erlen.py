"""Flask-Injector's own test suite (the 0.15.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

The extension is the real Flask-Injector, unchanged (the sdist's copy of the
installed package, which the suite imports from its root); ``import flask``
and ``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``),
as for a user who imports the patch first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the lists stay exact.

The suite is one module inside the package, flask_injector/tests.py. The
extension wraps what the app keeps in its registries (``view_functions``,
``before_request_funcs``, ``teardown_request_funcs``, error handlers,
``jinja_env.globals``) to inject their arguments, and keeps its request
scope in ``werkzeug.local.Local`` / ``LocalManager``; the tests also run it
under Flask-RESTful and Flask-RESTX (the real ones) and in an eventlet
green thread.
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

FLASK_INJECTOR_VERSION = "0.15.0"

#: Flask-Injector's tests that fail on Flask-Injector 0.15.0 itself (with
#: the pinned Flask 3.1.3 and injector 0.24.0): none.
FAIL_ON_FLASK_INJECTOR: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_injector_suite_passes_on_erlen() -> None:
    # Its test module imports eventlet.greenthread (test_memory_leak).
    require_test_dependency("eventlet", "eventlet", "Flask-Injector")
    outcomes = run_or_skip(
        "Flask-Injector",
        FLASK_INJECTOR_VERSION,
        "flask_injector/tests.py",
        plugin="erlen_flask_patch",
    )
    # 16 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_INJECTOR, min_passed=16
    )
