"""Flask-Login's own test suite (the 0.6.3 source distribution), run on erlen
through :mod:`erlen.flask_patch` alone.

Flask-Login itself is the real, installed one, unchanged (not erlen's
``erlen.ext.login`` battery, whose run of the same suite is
test_login_own_suite.py); ``import flask`` and ``import werkzeug`` give
erlen's modules (``plugin="erlen_flask_patch"``), as for a user who imports
``erlen.flask_patch`` first. Every test must pass except those listed below,
each with the reason; a listed test that starts passing fails this test too,
so the list stays exact.
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
#: Flask 3.1.3 and asgiref, which its async test needs there): none.
FAIL_ON_FLASK_LOGIN: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}

#: pytest-flask, when installed (another suite's test dependency), pushes a
#: request context around every test that has an ``app`` fixture; this suite
#: is not written for it, so it is kept out, on erlen and on the original.
_PYTEST_ARGS = ("-p", "no:flask")


@pytest.mark.timeout(600)
def test_flask_login_suite_passes_on_erlen() -> None:
    # Flask-Login's tests import semantic_version (its tests requirement).
    require_test_dependency("semantic_version", "semantic-version", "Flask-Login")
    outcomes = run_or_skip(
        "Flask-Login", FLASK_LOGIN_VERSION, plugin="erlen_flask_patch", pytest_args=_PYTEST_ARGS
    )
    # 114 tests in all, the async view included; all pass, as on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_LOGIN, min_passed=114
    )
