"""Pytest plugin: nose-style ``setup`` / ``teardown`` methods around each test.

Older suites (Flask-Assets 2.1.0, on webassets 2.0's test helpers) rely on
pytest calling a test class's ``setup`` before each test and ``teardown``
after it, which pytest stopped doing in 8.0. A suite's test passes it with
``pytest_args=("-p", "nose_setup")``; it then applies to the original
project's run as well as erlen's.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Call the test's class's ``setup`` before it and ``teardown`` after it."""
    instance = getattr(item, "instance", None)
    setup = getattr(instance, "setup", None)
    if not callable(setup):
        return
    setup()
    teardown = getattr(instance, "teardown", None)
    if callable(teardown):
        item.addfinalizer(teardown)
