"""flask-openapi3's own test suite (the 4.3.2 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

flask-openapi3 itself is the installed, unchanged extension (with pydantic
validating requests and responses); ``import flask`` and ``import werkzeug``
give erlen's modules (``plugin="erlen_flask_patch"``), as for a user who
imports the patch first. Its ``OpenAPI`` app subclasses ``flask.Flask``, so
this is erlen's ``Erlen`` subclassed, async views and the CLI command
included. Every test must pass except those listed below, each with the
reason; a listed test that starts passing fails this test too, so the lists
stay exact.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_OPENAPI3_VERSION = "4.3.2"

#: flask-openapi3's tests that fail on flask-openapi3 4.3.2 itself (with the
#: pinned Flask 3.1.3 and pydantic 2): none.
FAIL_ON_FLASK_OPENAPI3: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(600)
def test_flask_openapi3_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip("flask-openapi3", FLASK_OPENAPI3_VERSION, plugin="erlen_flask_patch")
    # 118 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_OPENAPI3, min_passed=118
    )
