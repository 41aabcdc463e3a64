"""Flask-JSONRPC's own test suite (the 4.0.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-JSONRPC itself is the installed, unchanged extension; ``import flask``
and ``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``),
as for a user who imports the patch first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the lists stay exact.

The unit suite (``tests/unit`` and the package's doctests, as its pytest
configuration collects them) registers JSON-RPC methods as view functions on
apps and blueprints, sync and async, checks their parameters against their
type annotations (pydantic models, dataclasses, standard types), and calls
them through the test client and through ``werkzeug.test.run_wsgi_app``:
request and response wrappers, JSON encoding, error handlers, the browsable
API's templates, static files and before/after-request middleware, and the
OpenRPC descriptor. Its configuration's addopts ask for pytest-cov,
pytest-xdist and friends, which it does not need: they are cleared, and the
doctests asked for again. The suite's warnings are errors, on erlen too.

The integration suite's ``tests/integration/shared`` tests post JSON-RPC
requests over HTTP to the sdist's test apps served with ``app.run()``
(own_suites/jsonrpc_served.py serves them, by erlen on erlen's side, on a
loopback port). Its browsable-API tests (the rest of ``tests/integration``)
drive a Chromium through Playwright, which cannot be had here: left out.
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

FLASK_JSONRPC_VERSION = "4.0.0"

_UNIT_ARGS = ("-o", "addopts=", "-o", "required_plugins=", "--doctest-modules")

_SERVED_ARGS = (
    # The integration tests' own pytest.ini asks for Playwright's plugins;
    # their conftest above tests/integration/shared imports Playwright.
    "-c",
    "pyproject.toml",
    "--rootdir=.",
    "-o",
    "addopts=",
    "-o",
    "required_plugins=",
    "--confcutdir=tests/integration/shared",
    "-p",
    "jsonrpc_served",
)

_BROWSE = "tests/unit/contrib/browse/test_app.py::"

#: Flask-JSONRPC's tests that fail on Flask-JSONRPC 4.0.0 itself (with the
#: pinned Flask 3.1.3): each passes alone. The module's ``settings`` is a
#: lazy proxy; pytest 9.2's monkeypatch (the suite pins 9.0.2) restores a
#: patched attribute that was not in the patched object's own ``__dict__``
#: by deleting it, which deletes the setting from the wrapped settings
#: object. The tests after the first that patches ``BROWSE_LOGIN_TEMPLATE``,
#: ``BROWSE_LOGOUT_TEMPLATE`` or ``BROWSE_MIDDLEWARE`` then find it gone.
FAIL_ON_FLASK_JSONRPC: dict[str, str] = {
    _BROWSE + name: f"the setting {setting} deleted by an earlier test's monkeypatch (pytest 9.2)"
    for setting, names in {
        "BROWSE_LOGIN_TEMPLATE": (
            "test_vf_login_configured_by_app_config",
            "test_get_browse_login_template_with_setting",
            "test_get_browse_login_template_by_env",
        ),
        "BROWSE_LOGOUT_TEMPLATE": (
            "test_vf_logout_configured",
            "test_vf_logout_configured_by_app_config",
            "test_get_browse_logout_template_with_setting",
            "test_get_browse_logout_template_by_env",
        ),
        "BROWSE_MIDDLEWARE": (
            "test_browse_register_middleware_invalid_generator",
            "test_browse_before_request_middleware_with_middleware_list_empty",
            "test_browse_before_request_middleware_with_middleware_returnning_none",
            "test_browse_before_request_middleware_with_middleware_returnning_false",
            "test_browse_before_request_middleware_with_middleware_returnning_true",
            "test_browse_before_request_middleware_with_middleware_returnning_response",
            "test_browse_after_request_middleware_with_middleware_and_g_empty",
            "test_browse_after_request_middleware_with_middleware_list_empty",
            "test_browse_after_request_middleware_with_middleware_returninng_false",
            "test_browse_after_request_middleware_with_middleware_returninng_true",
            "test_browse_after_request_middleware_with_middleware_returninng_none",
            "test_browse_after_request_middleware_with_middleware_returninng_response",
        ),
    }.items()
    for name in names
}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_jsonrpc_suite_passes_on_erlen() -> None:
    require_test_dependency("flask_jsonrpc", "Flask-JSONRPC", "Flask-JSONRPC")
    outcomes = run_or_skip(
        "Flask-JSONRPC",
        FLASK_JSONRPC_VERSION,
        ["src/flask_jsonrpc", "tests"],
        plugin="erlen_flask_patch",
        pytest_args=_UNIT_ARGS,
    )
    # 392 tests (doctests included): 369 pass, on erlen as on Flask 3.1.3;
    # 4 skip (3 doctests skip themselves, 1 is for Windows); 19 listed.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_JSONRPC, min_passed=369
    )


@pytest.mark.timeout(300)
def test_flask_jsonrpc_integration_suite_passes_served_by_erlen() -> None:
    require_test_dependency("flask_jsonrpc", "Flask-JSONRPC", "Flask-JSONRPC")
    shared = "tests/integration/shared/test_apps"
    sync = run_or_skip(
        "Flask-JSONRPC",
        FLASK_JSONRPC_VERSION,
        shared,
        plugin="erlen_flask_patch",
        pytest_args=(*_SERVED_ARGS, "--served-app=app", f"--ignore={shared}/test_async_app.py"),
    )
    # The sync app: its own tests and the features' (104), all pass.
    assert_only_listed_failures(sync, {}, min_passed=104)
    served_async = run_or_skip(
        "Flask-JSONRPC",
        FLASK_JSONRPC_VERSION,
        [f"{shared}/test_async_app.py", f"{shared}/features"],
        plugin="erlen_flask_patch",
        pytest_args=(*_SERVED_ARGS, "--served-app=async_app"),
    )
    # The async app: its own tests (14) and the same features (97), all pass.
    assert_only_listed_failures(served_async, {}, min_passed=111)
