"""Flask-WTF's own test suite (the 1.3.0 source distribution), run on erlen
through :mod:`erlen.flask_patch` alone.

Flask-WTF itself is the real, installed one, unchanged (not erlen's
``erlen.ext.forms`` battery, whose run of the same suite is
test_wtf_own_suite.py), reCAPTCHA included; ``import flask`` and ``import
werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``), as for a
user who imports ``erlen.flask_patch`` first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the list stays exact.

test_i18n.py (3 tests) needs Flask-Babel and the two upload set tests of
test_file.py need Flask-Reuploaded, the suite's optional ``test-babel``
group: without them they skip, on Flask as on erlen; with them they pass on
both (85 of 85).
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_WTF_VERSION = "1.3.0"

#: Flask-WTF's tests that fail on Flask-WTF 1.3.0 itself (with the pinned
#: Flask 3.1.3): none.
FAIL_ON_FLASK_WTF: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}

#: pytest-flask, when installed (another suite's test dependency), pushes a
#: request context around every test that has an ``app`` fixture; this suite
#: is not written for it, so it is kept out, on erlen and on the original.
_PYTEST_ARGS = ("-p", "no:flask")


@pytest.mark.timeout(600)
def test_flask_wtf_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip(
        "flask-wtf", FLASK_WTF_VERSION, plugin="erlen_flask_patch", pytest_args=_PYTEST_ARGS
    )
    # 83 of 85 pass (the reCAPTCHA tests and, with Flask-Babel from the
    # compare extra, the i18n ones included); the 2 upload set tests skip
    # without Flask-Reuploaded (see above).
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_WTF, min_passed=83
    )
