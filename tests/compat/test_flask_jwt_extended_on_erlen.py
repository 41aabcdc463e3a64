"""Flask-JWT-Extended's own test suite (the 4.7.4 source distribution), run
on erlen through :mod:`erlen.flask_patch`.

The extension is the real Flask-JWT-Extended, unchanged (the sdist's copy of
the installed package, which the suite imports from its root); ``import
flask`` and ``import werkzeug`` give erlen's modules
(own_suites/erlen_flask_patch.py), as for a user who imports
``erlen.flask_patch`` first. Every test must pass except those listed below,
each with the reason; a listed test that starts passing fails this test too,
so the list stays exact. (The battery ``erlen.ext.jwt`` runs the same suite
in test_jwt_own_suite.py.)
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

JWT_EXTENDED_VERSION = "4.7.4"

#: Flask-JWT-Extended's tests that fail on Flask-JWT-Extended 4.7.4 itself
#: (with the pinned Flask 3.1.3, Werkzeug 3.1.9 and PyJWT): none.
FAIL_ON_FLASK_JWT_EXTENDED: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(600)
def test_flask_jwt_extended_suite_passes_on_erlen(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its tests import dateutil.relativedelta.
    require_test_dependency("dateutil", "python-dateutil", "Flask-JWT-Extended")
    # The sdist has no pytest configuration of its own (the runner gives it
    # pytest's defaults). Warnings are errors, so that one erlen raises fails
    # a test, except PyJWT's about the suite's short HMAC keys (on Flask too).
    # The runner's pytest inherits the environment.
    monkeypatch.setenv(
        "PYTEST_ADDOPTS", "-W error -W ignore::jwt.warnings.InsecureKeyLengthWarning"
    )
    outcomes = run_or_skip("flask-jwt-extended", JWT_EXTENDED_VERSION, plugin="erlen_flask_patch")
    # 181 tests in all: 180 pass, on erlen as on Flask 3.1.3; one skips
    # (test_config_json_encoder_flask21, for Flask < 2.2 only).
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_JWT_EXTENDED, min_passed=180
    )
