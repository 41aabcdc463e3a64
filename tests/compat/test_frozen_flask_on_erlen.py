"""Frozen-Flask's own test suite (the 1.0.2 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Frozen-Flask itself is the installed, unchanged extension; ``import flask``
and ``import werkzeug`` give erlen's modules (``plugin="erlen_flask_patch"``),
as for a user who imports the patch first. Every test must pass except
those listed below, each with the reason; a listed test that starts passing
fails this test too, so the lists stay exact.

The suite freezes a sample app (with a blueprint that has its own static
folder and templates) into a folder of files: the freezer walks
``app.url_map.iter_rules()`` and ``app.view_functions`` for the rules that
take no arguments and for the static endpoints (told by comparing the
views with ``Flask.send_static_file`` / ``Blueprint.send_static_file``),
records every ``url_for`` call through a function it inserts first in
``app.url_default_functions[None]``, swaps the ``url_for`` Jinja global for
relative URLs, fetches each URL with the test client (``base_url``,
``follow_redirects``), and checks redirects, 404s and the response's
mimetype against the file name. Its ``test_transitivity`` tests freeze
again from ``Freezer.make_static_app()``, an app whose ``dispatch_request``
is replaced on the instance to send every URL from the output folder with
``send_from_directory``. ``test_importing_collections`` runs the extension's
module in a subprocess, which imports the real Flask: it checks the
module's import warnings, not erlen.

The ``test_transitivity`` tests (one per test class, nine in all) need
erlen's pipeline to call a ``dispatch_request`` replaced on the instance
or a subclass, as Flask's ``full_dispatch_request`` does; were erlen to
call the matched view itself, the static app would answer 404 for ``/``.
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

FROZEN_FLASK_VERSION = "1.0.2"

#: Frozen-Flask's tests that fail on Frozen-Flask 1.0.2 itself (with the
#: pinned Flask 3.1.3): none.
FAIL_ON_FROZEN_FLASK: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_frozen_flask_suite_passes_on_erlen() -> None:
    require_test_dependency("flask_frozen", f"Frozen-Flask=={FROZEN_FLASK_VERSION}", "Frozen-Flask")
    outcomes = run_or_skip("Frozen-Flask", FROZEN_FLASK_VERSION, plugin="erlen_flask_patch")
    # 193 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FROZEN_FLASK, min_passed=193
    )
