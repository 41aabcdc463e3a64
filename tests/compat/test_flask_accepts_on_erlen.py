"""flask-accepts's own test suite (the 1.0.1 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

flask-accepts itself is the unchanged extension (its tests, kept inside
the package, import the sdist's copy, which is the installed release's);
``import flask`` and ``import werkzeug`` give erlen's modules
(``plugin="erlen_flask_patch"``), as for a user who imports the patch
first. Every test must pass except those listed below, each with the
reason; a listed test that starts passing fails this test too, so the lists
stay exact.

The suite decorates Flask-RESTX resources (and a few plain views) with
``@accepts`` and ``@responds``: they parse the JSON body, the query string,
form fields and headers of a ``test_client()`` request with marshmallow
schemas or RESTX request parsers, store the results as attributes of
``flask.request`` (``request.parsed_obj``, ``parsed_args``,
``parsed_query_params``, ``parsed_headers``, ``parsed_form``), answer a
validation error with RESTX's ``abort`` (400), serialize the view's return
value, pass a ``werkzeug`` ``Response`` through unchanged, and document the
schemas in the RESTX API's Swagger models.

flask-accepts 1.0.1 reads ``marshmallow.__version_info__``, which
marshmallow 4 removed: with the compare extra's marshmallow 4 no test file
imports. The suite runs with marshmallow 3 first on its path, as flasgger's
does (``own_suites/marshmallow_3.py``).
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    prepend_to_suite_path,
    require_test_dependency,
    run_or_skip,
)
from own_suites.marshmallow_3 import marshmallow_3_path

FLASK_ACCEPTS_VERSION = "1.0.1"

#: flask-accepts's tests that fail on it with the pinned Flask 3.1.3 (and
#: marshmallow 3): none.
FAIL_ON_FLASK_ACCEPTS: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_accepts_suite_passes_on_erlen(monkeypatch: pytest.MonkeyPatch) -> None:
    require_test_dependency(
        "flask_accepts", f"flask-accepts=={FLASK_ACCEPTS_VERSION}", "flask-accepts"
    )
    require_test_dependency("flask_restx", "flask-restx", "flask-accepts")
    prepend_to_suite_path(monkeypatch, marshmallow_3_path)
    outcomes = run_or_skip(
        "flask-accepts",
        FLASK_ACCEPTS_VERSION,
        "flask_accepts/tests",
        plugin="erlen_flask_patch",
    )
    # 88 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_ACCEPTS, min_passed=88
    )
