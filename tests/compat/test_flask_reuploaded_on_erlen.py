"""Flask-Reuploaded's own test suite (the 1.6.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-Reuploaded (imported as ``flask_uploads``) is the installed,
unchanged extension; ``import flask`` and ``import werkzeug`` give erlen's
modules (``plugin="erlen_flask_patch"``), as for a user who imports the
patch first. Every test must pass except those listed below, each with the
reason; a listed test that starts passing fails this test too, so the lists
stay exact.

The suite saves uploads through ``UploadSet.save`` from its own
``FileStorage`` subclass (``werkzeug.datastructures.FileStorage``, with
``secure_filename`` and extension checks, name conflicts and path traversal
attempts), reads each set's destination and URL from ``app.config`` through
``configure_uploads``, builds URLs with ``url_for`` (``UploadSet.url``), and
serves saved files from its ``_uploads`` blueprint with the test client
when autoserving is turned on.
"""

from __future__ import annotations

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    require_test_dependency,
    run_or_skip,
)

FLASK_REUPLOADED_VERSION = "1.6.0"

#: Flask-Reuploaded's tests that fail on Flask-Reuploaded 1.6.0 itself (with
#: the pinned Flask 3.1.3): none.
FAIL_ON_FLASK_REUPLOADED: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_reuploaded_suite_passes_on_erlen() -> None:
    require_test_dependency(
        "flask_uploads", f"Flask-Reuploaded=={FLASK_REUPLOADED_VERSION}", "Flask-Reuploaded"
    )
    outcomes = run_or_skip("Flask-Reuploaded", FLASK_REUPLOADED_VERSION, plugin="erlen_flask_patch")
    # 58 tests; all pass on erlen and on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes,
        ERLEN_DIFFERS,
        fail_on_original=FAIL_ON_FLASK_REUPLOADED,
        min_passed=58,
    )
