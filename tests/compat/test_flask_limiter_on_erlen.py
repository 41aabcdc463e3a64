"""Flask-Limiter's own test suite (the 4.1.1 source distribution), run on
erlen through :mod:`erlen.flask_patch`.

The extension is the real Flask-Limiter, unchanged; ``import flask`` and
``import werkzeug`` give erlen's modules (own_suites/erlen_flask_patch.py),
as for a user who imports ``erlen.flask_patch`` first. Every test must pass
except those listed below, each with the reason; a listed test that starts
passing fails this test too, so the list stays exact.

The suite starts its storage servers with docker (lovely-pytest-docker).
``-p limiter_services`` stands in for that: its ``docker_services`` starts a
private ``redis-server`` on the port the suite expects (46379), so the
memory and Redis tests run. There is no memcached and no MongoDB here: the
tests that need them are deselected, on erlen and on the original alike.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_LIMITER_VERSION = "4.1.1"

PYTEST_ARGS = [
    # The suite's addopts ask for pytest-cov (--cov=flask_limiter): not needed.
    "-o",
    "addopts=",
    "-p",
    "limiter_services",
    # Every test in this file has an autouse fixture that needs memcached and
    # MongoDB (its Redis cases too).
    "--ignore=tests/test_storage.py",
    # memcached.
    "--deselect=tests/test_flask_ext.py::test_reset_unsupported",
]

#: Flask-Limiter's tests that fail on Flask-Limiter 4.1.1 itself (with the
#: pinned Flask 3.1.3): none.
FAIL_ON_FLASK_LIMITER: dict[str, str] = {}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(300)
def test_flask_limiter_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip(
        "Flask-Limiter",
        FLASK_LIMITER_VERSION,
        plugin="erlen_flask_patch",
        pytest_args=PYTEST_ARGS,
    )
    # 124 tests run (the memcached and MongoDB ones deselected); all pass.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_LIMITER, min_passed=124
    )
