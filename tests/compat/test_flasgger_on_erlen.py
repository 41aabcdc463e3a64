"""flasgger's own test suite (the 0.9.7.1 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

flasgger itself is the installed, unchanged extension; ``import flask`` and
``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``),
as for a user who imports the patch first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the lists stay exact.

Most of the suite is ``tests/test_examples.py``: its conftest imports each of
the sdist's 46 example apps (Swagger UI and specs for plain views,
``MethodView`` subclasses, blueprints, Flask-RESTful resources, apispec and
marshmallow schemas, docstring and YAML specs, request validation), fetches
``/apidocs/?json=true`` and each spec's URL with the test client, validates
the specs (with flex, and jsonschema), and runs the examples' own
``test_swag`` checks. The other files test the spec helpers, ``swag_from``,
and the ``flask generate-api-schema`` CLI command.

Two test-time needs, as flasgger's own development setup provides them:
the example ``package_example`` imports ``flasgger_package``, a small package
kept in the sdist's ``etc/`` (put on the path here); and the examples are
written for marshmallow 3 (one passes a keyword marshmallow 4 rejects, which
stops the whole examples file at collection), while the compare extra has
marshmallow 4 for the other suites: marshmallow 3.26.1 is installed apart,
once, into the own-suites cache, and put first on the suite's path.
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
from own_suites.runner import fetch

FLASGGER_VERSION = "0.9.7.1"

_COMMANDS = "tests/test_commands.py::"

#: flasgger's tests that fail on flasgger 0.9.7.1 itself (with the pinned
#: Flask 3.1.3 and Click 8.2 or later): its ``cli_runner`` fixture passes
#: ``mix_stderr=False`` to ``app.test_cli_runner()``, an argument Click 8.2
#: removed from ``CliRunner``. (With it taken out, the four pass on erlen as
#: on Flask.)
FAIL_ON_FLASGGER: dict[str, str] = {
    _COMMANDS + name: "its fixture passes CliRunner(mix_stderr=...), gone in Click 8.2"
    for name in (
        "test_default_specs",
        "test_custom_specs",
        "test_invalid_endpoint",
        "test_definitions_is_removed_for_openapi_3",
    )
}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flasgger_suite_passes_on_erlen(monkeypatch: pytest.MonkeyPatch) -> None:
    # The spec validator the examples' tests use; their apispec examples'
    # Flask plugin; the decorator example's decorator library.
    require_test_dependency("flasgger", f"flasgger=={FLASGGER_VERSION}", "flasgger")
    require_test_dependency("flex", "flex", "flasgger")
    require_test_dependency("apispec_webframeworks", "apispec-webframeworks", "flasgger")
    require_test_dependency("decorator", "decorator", "flasgger")
    prepend_to_suite_path(
        monkeypatch,
        marshmallow_3_path,
        lambda: fetch("flasgger", FLASGGER_VERSION) / "etc" / "flasgger_package",
    )
    outcomes = run_or_skip("flasgger", FLASGGER_VERSION, plugin="erlen_flask_patch")
    # 148 tests: 144 pass, on erlen as on Flask 3.1.3 (138 of them the
    # examples'); 4 listed.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASGGER, min_passed=144
    )
