"""Flask-JWT-Extended's own test suite (the 4.7.4 source distribution), run
on erlen.

``import flask`` and ``import flask_jwt_extended`` give erlen's modules (see
own_suites/flask_as_erlen.py and own_suites/ext_jwt.py), so each of its tests
runs unchanged against erlen.ext.jwt. Every test must pass except those
listed below, each with the reason; a listed test that starts passing fails
this test too, so the list stays exact.
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
#: (run as below, with the pinned Flask, Werkzeug and PyJWT): none.
FAIL_ON_ORIGINAL: dict[str, str] = {}

#: Where erlen differs on purpose (docs/ext/jwt.md, "Differences from
#: Flask-JWT-Extended").
ERLEN_DIFFERS = {
    "tests/test_view_decorators.py::test_non_string_identity": (
        "a non-string identity is a TypeError when the token is created, not a 422 on use"
    ),
    "tests/test_view_decorators.py::test_override_jwt_location": (
        "jwt_required(locations='INVALID_LOCATION') raises when decorating, not a 500 per request"
    ),
}


@pytest.mark.timeout(600)
def test_jwt_extended_suite_passes_on_erlen_but_for_the_listed_differences(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its tests import dateutil.relativedelta.
    require_test_dependency("dateutil", "python-dateutil", "Flask-JWT-Extended")
    # The sdist has no pytest configuration of its own: the runner gives it
    # pytest's defaults. Warnings are made errors here, so that one of
    # erlen's fails a test, except PyJWT's about the suite's short HMAC keys
    # (it fails every test on the original too).
    monkeypatch.setenv(
        "PYTEST_ADDOPTS", "-W error -W ignore::jwt.warnings.InsecureKeyLengthWarning"
    )
    outcomes = run_or_skip("flask-jwt-extended", JWT_EXTENDED_VERSION)
    # 181 tests in all: the 2 listed, 1 skipped (Flask < 2.2 only).
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_ORIGINAL, min_passed=178
    )
