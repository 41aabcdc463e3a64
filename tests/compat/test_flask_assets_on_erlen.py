"""Flask-Assets's own test suite (the 2.1.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-Assets itself is the installed, unchanged extension; ``import flask``
and ``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``),
as for a user who imports the patch first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the lists stay exact.

The suite resolves bundles through the app's and its blueprints' static
folders and ``url_for("static")`` / ``url_for("<blueprint>.static")``,
keeps its settings in ``app.config`` (per app, found through
``current_app``), and renders its ``{% assets %}`` Jinja tag.

Its test classes are nose-style: their ``setup`` / ``teardown`` methods, and
those of webassets' test helpers they build on, are to run around each
test, which pytest stopped doing in 8.0 (16 of its 27 tests fail without).
The suite's run loads ``own_suites/nose_setup.py``, which does it again as
pytest 7 did, on erlen and on the original alike. The helpers are webassets
2.0's; webassets 3.0 renamed them ``setup_method`` / ``teardown_method``,
which the suite's own ``setup`` methods do not call, so the compare extra
pins webassets 2.0.
"""

from __future__ import annotations

import importlib.metadata

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

FLASK_ASSETS_VERSION = "2.1.0"
WEBASSETS_VERSION = "2.0"

#: Flask-Assets's tests that fail on Flask-Assets 2.1.0 itself (with the
#: pinned Flask 3.1.3 and webassets 2.0, nose-style setup restored): none.
FAIL_ON_FLASK_ASSETS: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}

_PYTEST_ARGS = ("-p", "nose_setup")


@pytest.mark.timeout(300)
def test_flask_assets_suite_passes_on_erlen() -> None:
    require_test_dependency("webassets", f"webassets=={WEBASSETS_VERSION}", "Flask-Assets")
    # test_env.py's test_from_yaml loads a YAML bundle file.
    require_test_dependency("yaml", "PyYAML", "Flask-Assets")
    assert importlib.metadata.version("webassets") == WEBASSETS_VERSION, (
        f"Flask-Assets {FLASK_ASSETS_VERSION}'s tests need webassets {WEBASSETS_VERSION}'s"
        " nose-style test helpers (the compare extra pins it)"
    )
    outcomes = run_or_skip(
        "Flask-Assets",
        FLASK_ASSETS_VERSION,
        plugin="erlen_flask_patch",
        pytest_args=_PYTEST_ARGS,
    )
    # 27 tests: 26 pass, on erlen as on Flask 3.1.3; test_script.py skips
    # (it needs Flask-Script, which is not installed: it imports
    # flask._compat, gone since Flask 2.0).
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_ASSETS, min_passed=26
    )
