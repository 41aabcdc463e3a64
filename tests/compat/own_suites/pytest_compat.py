"""Pytest plugin: names older test suites import from pytest's internals.

Loaded for the original projects' runs as well as erlen's (see runner.py).
"""

import _pytest.monkeypatch

if not hasattr(_pytest.monkeypatch, "notset"):
    # Flask 3.1's tests import the name pytest 8.4 renamed to NOTSET.
    _pytest.monkeypatch.notset = _pytest.monkeypatch.NOTSET  # type: ignore[attr-defined]
