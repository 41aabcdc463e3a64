"""Flask-Migrate's own test suite (the 4.1.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-Migrate itself is the real one, unchanged, and so is the
Flask-SQLAlchemy under it: only ``flask`` and ``werkzeug`` are erlen's.
Every test must pass except those listed below, each with the reason; a
listed test that starts passing fails this test too, so the list stays
exact.

The suite drives the command line: each test runs ``flask db ...`` in a
subprocess with the app named in ``FLASK_APP``. Here that ``flask`` is a
script on ``PATH`` that imports the patch first and runs erlen's CLI, which
reads ``ERLEN_APP`` (README "Differences from Flask"), so the script passes
``FLASK_APP`` on as ``ERLEN_APP``. The original figures come from the same
run with the real Flask's ``flask`` script on ``PATH``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_MIGRATE_VERSION = "4.1.0"

#: The ``flask`` command the suite's subprocesses run: erlen's CLI with the
#: patch imported before the app (whose ``import flask`` must give erlen).
FLASK_SCRIPT = f"""#!{sys.executable}
import os
import sys

import erlen.flask_patch  # noqa: F401

if "FLASK_APP" in os.environ:
    os.environ.setdefault("ERLEN_APP", os.environ["FLASK_APP"])

from erlen.cli import main

sys.exit(main())
"""

#: Flask-Migrate's tests that fail on Flask-Migrate 4.1.0 itself: none.
FAIL_ON_FLASK_MIGRATE: dict[str, str] = {}

#: Where erlen differs: none.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(900)
def test_flask_migrate_suite_passes_on_erlen_but_for_the_listed_differences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "flask"
    script.write_text(FLASK_SCRIPT)
    script.chmod(0o755)
    # The runner's subprocesses inherit the environment.
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path), os.environ.get("PATH", "")]))
    outcomes = run_or_skip("Flask-Migrate", FLASK_MIGRATE_VERSION, plugin="erlen_flask_patch")
    # 7 tests in all.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_MIGRATE, min_passed=7
    )
