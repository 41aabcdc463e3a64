"""Pytest plugin: Flask-MonitoringDashboard's suite with a database of its own.

The dashboard keeps its data in SQLite, by default in
``flask_monitoringdashboard.db`` in the working folder, which for the
suite's run is the unpacked sdist in the own-suites cache: every run would
add to the same file, and two runs at once (erlen's and the original's, or
two checkouts sharing the cache) would write to it together. The dashboard
opens its database when ``flask_monitoringdashboard.database`` is first
imported (the suite's conftest imports it), with the name in
``flask_monitoringdashboard.config``; this plugin sets that name to a file in
a new temporary folder first, removed when the run ends. A suite's test
passes it with ``pytest_args=("-p", "fmd_database")``, so it applies to the
original project's run as well as erlen's.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests() -> None:
    # After the plugins named with -p are loaded (erlen's patch among them on
    # erlen's side, so that the dashboard's ``import flask`` gets erlen),
    # before the suite's conftest imports the dashboard's database.
    import flask_monitoringdashboard

    folder = tempfile.mkdtemp(prefix="fmd-suite-")
    # Registered before the dashboard's own exit handler (``bind`` registers
    # one that writes its cache to the database), so it runs after it.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    flask_monitoringdashboard.config.database_name = (
        f"sqlite:///{folder}/flask_monitoringdashboard.db"
    )
