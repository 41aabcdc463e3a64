"""Pytest plugin for pytest-flask's own suite (``-p pytest_flask_suite``), on
erlen (after ``-p erlen_flask_patch``) and on the real Flask alike: loads
pytest-flask from the source distribution under test.

pytest-flask is itself a pytest plugin, and it is not installed in the
environment: installed, its entry point would load it into every pytest run
there, the other extensions' suites included, and its autouse fixtures push
a request context around every test that has an ``app`` fixture. The suite
runs from the sdist's root, whose ``src/`` holds the package and its
``egg-info`` (with the ``pytest11`` entry point). Put on ``sys.path`` here,
as ``-p`` plugins are imported, before pytest loads the entry points, it is
found as an installed distribution: pytest-flask loads as it would for a
user, in the suite's run and in the runs its tests start in-process with
``pytester``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE = Path.cwd() / "src"

if not (_SOURCE / "pytest_flask" / "plugin.py").is_file():
    raise ImportError(f"pytest_flask_suite runs from pytest-flask's sdist, not {Path.cwd()}")
sys.path.insert(0, str(_SOURCE))
