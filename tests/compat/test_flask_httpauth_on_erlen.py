"""Flask-HTTPAuth's own test suite (the 4.8.1 source distribution), run on
erlen through :mod:`erlen.flask_patch`.

The extension is the real Flask-HTTPAuth, unchanged; ``import flask`` and
``import werkzeug`` give erlen's modules (own_suites/erlen_flask_patch.py),
as for a user who imports ``erlen.flask_patch`` first. Every test must pass
except those listed below, each with the reason; a listed test that starts
passing fails this test too, so the list stays exact.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_HTTPAUTH_VERSION = "4.8.1"

#: Flask-HTTPAuth's tests that fail on Flask-HTTPAuth 4.8.1 itself (with the
#: pinned Flask 3.1.3 and its ``async`` extra, asgiref): none.
FAIL_ON_FLASK_HTTPAUTH: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_httpauth_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip("Flask-HTTPAuth", FLASK_HTTPAUTH_VERSION, plugin="erlen_flask_patch")
    # 121 tests in all, the async ones included; all pass.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_HTTPAUTH, min_passed=121
    )
