"""flask-smorest's own test suite (the 0.47.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

flask-smorest itself is the real one, unchanged (with webargs, apispec and
marshmallow under it): only ``flask`` and ``werkzeug`` are erlen's. Every
test must pass except those listed below, each with the reason; a listed
test that starts passing fails this test too, so the list stays exact.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_SMOREST_VERSION = "0.47.0"

#: flask-smorest's tests that fail on flask-smorest 0.47.0 itself: none
#: (its five async-view tests need asgiref, Flask's "async" extra).
FAIL_ON_FLASK_SMOREST: dict[str, str] = {}

#: Where erlen differs: none.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(900)
def test_flask_smorest_suite_passes_on_erlen_but_for_the_listed_differences() -> None:
    outcomes = run_or_skip("flask-smorest", FLASK_SMOREST_VERSION, plugin="erlen_flask_patch")
    # 555 tests in all, one more than on Flask: test_error_handler_on_abort
    # runs once per code of werkzeug.exceptions.default_exceptions, where
    # erlen also has 426 (UpgradeRequired, for its WebSocket routes).
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_SMOREST, min_passed=555
    )
