"""Flask-Login's own test suite (the 0.6.3 source distribution), run on erlen.

``import flask_login`` gives ``erlen.ext.login`` (own_suites/ext_login.py),
``import flask`` and ``import werkzeug`` erlen's modules, so each of
Flask-Login's tests runs unchanged against erlen. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the list stays exact.
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

FLASK_LOGIN_VERSION = "0.6.3"

#: Flask-Login's tests that fail on Flask-Login 0.6.3 itself (with the pinned
#: Flask 3.1.3, without asgiref). It passes on erlen.
FAIL_ON_FLASK_LOGIN = {
    "tests/test_login.py::LoginTestCase::test_login_required_decorator_with_async": (
        "Flask needs asgiref for async views"
    ),
}

#: Where erlen differs on purpose (docs/ext/login.md "Differences from
#: Flask-Login") or says the same thing in its own words.
ERLEN_DIFFERS = {
    # Wording and private internals.
    "tests/test_login.py::InitializationTestCase::test_no_user_loader_raises": (
        "own wording of the missing-loader RuntimeError"
    ),
    "tests/test_login.py::LoginTestCase::test_set_cookie_with_invalid_duration_raises_exception": (
        "own wording of the TypeError (a number of seconds is also accepted)"
    ),
    "tests/test_login.py::LoginTestCase::test_set_cookie_with_invalid_custom_duration_raises_exception": (
        "own wording of the TypeError (a number of seconds is also accepted)"
    ),
    "tests/test_login.py::LoginTestCase::test_remember_me_refresh_each_request": (
        "patches flask_login.login_manager.datetime.utcnow (the refresh itself works)"
    ),
    # Behaviour.
    "tests/test_login.py::LoginTestCase::test_session_protection_strong_fires_signal_x_forwarded_for": (
        "the session identifier uses remote_addr, never a client's X-Forwarded-For"
    ),
    "tests/test_login.py::CustomTestClientTestCase::test_session_protection_modes": (
        "LoginClient binds its session to the client: a fresh login stays fresh"
    ),
}


@pytest.mark.timeout(600)
def test_flask_login_suite_passes_on_erlen_but_for_the_listed_differences() -> None:
    # Flask-Login's tests import semantic_version (its tests requirement).
    require_test_dependency("semantic_version", "semantic-version", "Flask-Login")
    outcomes = run_or_skip("Flask-Login", FLASK_LOGIN_VERSION)
    # 114 tests in all: the 6 listed ones fail, the rest pass.
    assert_only_listed_failures(
        outcomes,
        ERLEN_DIFFERS,
        fail_on_original=FAIL_ON_FLASK_LOGIN,
        pass_on_erlen_only=FAIL_ON_FLASK_LOGIN.keys(),
        min_passed=108,
    )
