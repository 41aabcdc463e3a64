"""Flask-Talisman's own test suite (the 1.1.0 source distribution), run on
erlen through :mod:`erlen.flask_patch`.

The extension is the real Flask-Talisman, unchanged; ``import flask`` and
``import werkzeug`` give erlen's modules (own_suites/erlen_flask_patch.py),
as for a user who imports ``erlen.flask_patch`` first. Every test must pass
except those listed below, each with the reason; a listed test that starts
passing fails this test too, so the list stays exact. (The battery
``erlen.ext.security`` runs the same suite in test_talisman_own_suite.py.)

The tests live inside the package, as ``flask_talisman/talisman_test.py``.
Here ``flask_talisman`` is the real package (the sdist's copy of the
installed one), so the file runs where it is, as
``flask_talisman.talisman_test``: no ``copy_out``, which the battery's run
needs only because its ``flask_talisman`` is a module, not a package.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_TALISMAN_VERSION = "1.1.0"

#: Flask-Talisman's tests that fail on Flask-Talisman 1.1.0 itself (with the
#: pinned Flask 3.1.3): none.
FAIL_ON_FLASK_TALISMAN: dict[str, str] = {}

#: Where erlen differs: nowhere. (The battery's three X-Forwarded-Proto
#: differences are its own: the real Flask-Talisman reads that header itself.)
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_talisman_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip(
        "flask-talisman",
        FLASK_TALISMAN_VERSION,
        "flask_talisman/talisman_test.py",
        plugin="erlen_flask_patch",
    )
    # 15 tests in all; all pass, on erlen as on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_TALISMAN, min_passed=15
    )
