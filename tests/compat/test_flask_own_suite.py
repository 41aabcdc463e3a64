"""Flask's own test suite (the 3.1.3 source distribution), run on erlen.

``import flask`` and ``import werkzeug`` give erlen's modules (see
own_suites/flask_as_erlen.py), so each of Flask's tests runs unchanged
against erlen. Every test must pass except those listed below, each with the
reason; a listed test that starts passing fails this test too, so the list
stays exact.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_VERSION = "3.1.3"

#: Flask's tests that fail on Flask 3.1.3 itself with the pinned Werkzeug
#: 3.1.9 (not erlen's concern; it fails on erlen too). asgiref, Flask's
#: "async" extra, is installed (the compare extra), so the async tests run.
FAIL_ON_FLASK = {
    "tests/test_reqctx.py::test_bad_environ_raises_bad_request": (
        "Werkzeug 3.1.8 returns an empty host for an invalid Host: 404 on Flask too"
    ),
}

#: Where erlen differs on purpose (README "Differences from Flask") or says
#: the same thing in its own words.
ERLEN_DIFFERS = {
    # Names and wording.
    "tests/test_appctx.py::test_app_ctx_globals_methods": "repr is '<erlen.g of ...>'",
    "tests/test_basic.py::test_enctype_debug_helper": "erlen's own wording of the hint",
    "tests/test_basic.py::test_response_type_errors": "erlen's own wording of the TypeError",
    "tests/test_testing.py::test_session_transactions_no_null_sessions": "own wording",
    "tests/test_user_error_handler.py::test_error_handler_no_match": "own wording",
    "tests/test_templating.py::test_template_loader_debugging": (
        "EXPLAIN_TEMPLATE_LOADING logs erlen's own format"
    ),
    "tests/test_testing.py::test_environ_base_default": "User-Agent is erlen/<version>",
    "tests/test_cli.py::test_get_version": "prints erlen's version",
    "tests/test_cli.py::test_help_echo_loading_error": "names ERLEN_APP, not FLASK_APP",
    "tests/test_cli.py::test_no_command_echo_loading_error": "names ERLEN_APP",
    "tests/test_cli.py::test_load_dotenv": "reads .erlenenv, not .flaskenv",
    "tests/test_config.py::test_from_prefixed_env": "default prefix ERLEN_",
    "tests/test_config.py::test_from_prefixed_env_nested": "default prefix ERLEN_",
    # Behaviour.
    "tests/test_basic.py::test_error_handling_processing": (
        "the notes: after_request is skipped when the view raised"
    ),
    "tests/test_basic.py::test_session_accessed": (
        "the session is opened when first used (request_ctx._session is None before)"
    ),
    "tests/test_appctx.py::test_context_refcounts": (
        "erlen does not store the request in environ['werkzeug.request'] (no cycle)"
    ),
    "tests/test_basic.py::test_server_name_matching[True-False-default-abc-<invalid>]": (
        "no warning for a client's Host outside SERVER_NAME: the host is client input"
    ),
    "tests/test_cli.py::TestRoutes::test_sort": (
        "'routes -s match' lists erlen's real matching order, not registration order"
    ),
}


#: Over ASGI, also: the test client's ``errors_stream=`` is the WSGI
#: environ's ``wsgi.errors``; an ASGI request has none, so the app's log
#: goes to stderr.
ERLEN_DIFFERS_ASGI = {
    "tests/test_logging.py::test_wsgi_errors_stream": "no wsgi.errors under ASGI",
    "tests/test_logging.py::test_log_view_exception": "no wsgi.errors under ASGI",
}


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_flask_suite_passes_on_erlen_but_for_the_listed_differences(protocol: str) -> None:
    """Over ASGI, every request of Flask's test client goes through erlen's
    ASGI side (own_suites/asgi_client.py): the same suite checks that the
    app behaves the same on both protocols."""
    differs = dict(ERLEN_DIFFERS)
    pytest_args: list[str] = []
    if protocol == "asgi":
        differs |= ERLEN_DIFFERS_ASGI
        pytest_args = ["-p", "asgi_client"]
    outcomes = run_or_skip("flask", FLASK_VERSION, pytest_args=pytest_args)
    # 490 tests in all: the listed ones, Flask's own failure, 2 skips (greenlet).
    assert_only_listed_failures(
        outcomes,
        differs,
        fail_on_original=FAIL_ON_FLASK,
        min_passed=469 - len(differs) + len(ERLEN_DIFFERS),
    )


@pytest.mark.timeout(600)
@pytest.mark.parametrize("example", ["tutorial", "javascript"])
def test_flask_example_apps_pass_their_tests_on_erlen(example: str) -> None:
    """The example apps in Flask's sdist (flaskr, the tutorial's blog with
    its auth, database and CLI; the JavaScript example), with their tests,
    unchanged."""
    outcomes = run_or_skip("flask", FLASK_VERSION, subdir=f"examples/{example}")
    failed = sorted(test for test, outcome in outcomes.items() if outcome != "passed")
    assert failed == []
    assert len(outcomes) >= {"tutorial": 24, "javascript": 8}[example]
