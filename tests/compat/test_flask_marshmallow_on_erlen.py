"""flask-marshmallow's own test suite (the 1.5.0 source distribution), run
on erlen through :mod:`erlen.flask_patch` alone.

flask-marshmallow itself is the real one, unchanged, and so are
Flask-SQLAlchemy and marshmallow-sqlalchemy under its SQLAlchemy tests: only
``flask`` and ``werkzeug`` are erlen's. Every test must pass except those
listed below, each with the reason; a listed test that starts passing fails
this test too, so the list stays exact.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_MARSHMALLOW_VERSION = "1.5.0"

#: flask-marshmallow's tests that fail on flask-marshmallow 1.5.0 itself: none.
FAIL_ON_FLASK_MARSHMALLOW: dict[str, str] = {}

#: Where erlen differs: none.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(600)
def test_flask_marshmallow_suite_passes_on_erlen_but_for_the_listed_differences() -> None:
    outcomes = run_or_skip(
        "flask-marshmallow", FLASK_MARSHMALLOW_VERSION, plugin="erlen_flask_patch"
    )
    # 50 tests in all, every one passes.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_MARSHMALLOW, min_passed=50
    )
