"""webargs's own tests of its Flask parser (the 8.7.1 source distribution),
run on erlen through :mod:`erlen.flask_patch` alone.

webargs itself is the installed, unchanged library; ``import flask`` and
``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``), as
for a user who imports the patch first. Only ``tests/test_flaskparser.py``
runs (with the Flask app it imports, ``tests/apps/flask_app.py``), not the
suite's other frameworks' parsers. Every test must pass except those listed
below, each with the reason; a listed test that starts passing fails this
test too, so the lists stay exact.

The suite drives its app through WebTest (a WSGI client, not Flask's test
client): webargs's shared ``CommonTestCase`` reads arguments from the query
string, form and multipart bodies (``request.files``), JSON, headers,
cookies and ``view_args``, on sync and async views and on ``MethodView``
methods, and checks the 422 that webargs's ``abort`` raises (an
``HTTPException`` carrying ``data``) reaches the app's error handler. Other
tests call the parser in a ``test_request_context``.
"""

from __future__ import annotations

import importlib.metadata

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

WEBARGS_VERSION = "8.7.1"
WEBTEST_VERSION = "3.0.7"

#: webargs's Flask-parser tests that fail on webargs 8.7.1 itself (with the
#: pinned Flask 3.1.3).
FAIL_ON_WEBARGS: dict[str, str] = {
    "tests/test_flaskparser.py::test_abort_called_on_validation_error_async": (
        "a coroutine test marked for pytest-asyncio, which the compare extra does not"
        " install (and the suite's run blocks, so the outcome does not depend on the"
        " environment); with pytest-asyncio it passes on erlen as on Flask"
    ),
}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}

# pytest-asyncio, when installed, would load into the suite's run: kept out,
# so that the one test needing it fails on both sides whatever is installed.
_PYTEST_ARGS = ("-p", "no:asyncio")


@pytest.mark.timeout(300)
def test_webargs_flask_parser_suite_passes_on_erlen() -> None:
    require_test_dependency("webtest", f"WebTest=={WEBTEST_VERSION}", "webargs")
    # The tests come from the sdist, the parser they test from the installed
    # webargs (also flask-smorest's): both must be the same release.
    assert importlib.metadata.version("webargs") == WEBARGS_VERSION, (
        f"webargs {WEBARGS_VERSION}'s tests need webargs {WEBARGS_VERSION} installed"
        " (the compare extra pins it)"
    )
    outcomes = run_or_skip(
        "webargs",
        WEBARGS_VERSION,
        "tests/test_flaskparser.py",
        plugin="erlen_flask_patch",
        pytest_args=_PYTEST_ARGS,
    )
    # 104 tests: 103 pass, on erlen as on Flask 3.1.3. The two
    # test_parse_files (sync and async views) post a WebTest multipart body,
    # whose boundary ends in "$".
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_WEBARGS, min_passed=103
    )
