"""Flask-SSE's own test suite (the 1.0.0 source distribution), run on erlen
through :mod:`erlen.flask_patch` alone.

Flask-SSE itself is the installed, unchanged extension; ``import flask``
and ``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``),
as for a user who imports the patch first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the lists stay exact.

The suite mocks its Redis client (``mocker.patch("flask_sse.StrictRedis")``)
and reads the event stream from the test client, so it needs no Redis
server.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_SSE_VERSION = "1.0.0"

#: Flask-SSE's tests that fail on Flask-SSE 1.0.0 itself (with the pinned
#: Flask 3.1.3): none.
FAIL_ON_FLASK_SSE: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_sse_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip("Flask-SSE", FLASK_SSE_VERSION, plugin="erlen_flask_patch")
    # 20 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_SSE, min_passed=20
    )
