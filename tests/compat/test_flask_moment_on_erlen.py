"""Flask-Moment's own test suite (the 1.0.6 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-Moment itself is the installed, unchanged extension; ``import flask``
and ``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``),
as for a user who imports the patch first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the lists stay exact.

The suite renders the extension's template helpers
(``{{ moment.include_moment() }}``) with ``render_template_string`` in an
app context, through the context processor the extension registers (its
tests read ``app.template_context_processors[None]``), and reads its
settings from ``current_app.config``.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_MOMENT_VERSION = "1.0.6"

#: Flask-Moment's tests that fail on Flask-Moment 1.0.6 itself (with the
#: pinned Flask 3.1.3): none.
FAIL_ON_FLASK_MOMENT: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_moment_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip("Flask-Moment", FLASK_MOMENT_VERSION, plugin="erlen_flask_patch")
    # 43 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_MOMENT, min_passed=43
    )
