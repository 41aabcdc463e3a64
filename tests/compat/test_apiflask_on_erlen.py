"""APIFlask's own test suite (the 3.1.2 source distribution's ``tests/``),
run on erlen through :mod:`erlen.flask_patch` alone.

APIFlask itself is the installed, unchanged framework (with webargs,
apispec, marshmallow, pydantic and Flask-HTTPAuth under it); ``import
flask`` and ``import werkzeug`` give erlen's modules
(``plugin="erlen_flask_patch"``), so its ``APIFlask`` class subclasses
erlen's :class:`~erlen.app.Erlen`, and its blueprint class erlen's
``Blueprint``. Every test must pass except those listed below, each with the
reason; a listed test that starts passing fails this test too, so the lists
stay exact.

The suite builds an ``APIFlask`` per test and goes through erlen's
application object from the subclass's side: APIFlask overrides
``make_response`` (a list or a ``(list, status)`` tuple becomes JSON),
replaces ``add_url_rule`` on the class with one that records each view's
schemas before calling erlen's, adds the ``get``/``post``/... shortcuts and
``MethodView`` classes (erlen's ``flask.views``), and registers its own
``errorhandler`` for ``HTTPException`` that turns every error, erlen's
``abort`` and 404s included, into a JSON body. Request data reaches its
``@input`` decorator through webargs's Flask parser (JSON, form and
multipart bodies with ``request.files``, query strings, headers, cookies,
path arguments); ``@output`` serialises through marshmallow or pydantic.
The OpenAPI document comes from walking ``app.url_map.iter_rules()`` and
``app.view_functions`` (each rule's endpoint, blueprint, ``methods``,
``arguments`` and rule string, whose converters give the path parameters'
types), served as JSON or YAML by a blueprint of its own, next to
documentation pages rendered with ``render_template_string`` and
``url_for``, and written by its ``flask spec`` command (through
``app.test_cli_runner()``).
Its auth classes wrap Flask-HTTPAuth (the API-key ones read headers,
cookies and the query string), and its async views, error and spec
processors go through ``app.ensure_sync`` (asgiref).

The suite's pytest configuration asks for coverage (pytest-cov), which the
compare extra does not install: its ``addopts`` are emptied for the run, on
erlen as on Flask. The suite's tests validate every generated document with
openapi-spec-validator, pinned in the compare extra to the release APIFlask
3.1.2's own test requirements pin.
"""

from __future__ import annotations

import importlib.metadata

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

APIFLASK_VERSION = "3.1.2"
OPENAPI_SPEC_VALIDATOR_VERSION = "0.7.2"

#: APIFlask's tests that fail on APIFlask 3.1.2 itself (with the pinned
#: Flask 3.1.3).
FAIL_ON_APIFLASK: dict[str, str] = {}
if int(importlib.metadata.version("marshmallow").split(".")[0]) >= 4:
    FAIL_ON_APIFLASK["tests/test_openapi_headers.py::test_spec_with_dict_headers"] = (
        "it instantiates marshmallow's fields.Number, abstract since marshmallow 4.0"
        " (a TypeError before any request); it passes with marshmallow 3"
    )

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}

# The suite's configuration adds pytest-cov's options (--cov=apiflask ...).
_PYTEST_ARGS = ("-o", "addopts=")


@pytest.mark.timeout(300)
def test_apiflask_suite_passes_on_erlen() -> None:
    require_test_dependency(
        "openapi_spec_validator",
        f"openapi-spec-validator=={OPENAPI_SPEC_VALIDATOR_VERSION}",
        "APIFlask",
    )
    # The tests come from the sdist, the framework they test is the installed
    # APIFlask: both must be the same release.
    require_test_dependency("apiflask", f"APIFlask=={APIFLASK_VERSION}", "APIFlask")
    assert importlib.metadata.version("apiflask") == APIFLASK_VERSION, (
        f"APIFlask {APIFLASK_VERSION}'s tests need APIFlask {APIFLASK_VERSION} installed"
        " (the compare extra pins it)"
    )
    outcomes = run_or_skip(
        "apiflask", APIFLASK_VERSION, plugin="erlen_flask_patch", pytest_args=_PYTEST_ARGS
    )
    # 408 tests: 406 pass, on erlen as on Flask 3.1.3 (with marshmallow 4.4.0;
    # 407 with marshmallow 3). test_apikey_auth_required_with_multiauth_with_old_version_werkzeug
    # skips: it is for Werkzeug before 2.3 (the installed Werkzeug's version).
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_APIFLASK, min_passed=406
    )
