"""Flask-RESTful's modules on erlen (loaded by flask_as_erlen.py).

While Flask-RESTful 0.3.10's own suite runs (the working directory is its
sdist), what its tests need from outside erlen is stood in for, so the suite
collects: ``nose`` (``SkipTest`` and the ``nose.tools`` asserts) and ``mock``
from :mod:`unittest`, when not installed, and ``flask.signals.
signals_available`` (``True``), a name Flask 2.3 dropped and test_api.py
still imports (it fails to import on Flask 3.1.3 itself). Its nose-style
``yield`` tests (test_api.py, test_fields.py, test_inputs.py), which pytest 9
refuses to collect (the whole module fails), run as one test each: every
yielded ``(check, *args)`` is called in turn.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import types
import unittest
import unittest.mock
from typing import Any

import pytest

MODULES = {
    "flask_restful": ["erlen.ext.rest"],
    "flask_restful.fields": ["erlen.ext.rest.fields"],
    "flask_restful.inputs": ["erlen.ext.rest.inputs"],
    "flask_restful.reqparse": ["erlen.ext.rest.reqparse"],
    "flask_restful.utils": ["erlen.ext.rest.utils"],
    "flask_restful.utils.cors": ["erlen.ext.rest.cors"],
}


@pytest.hookimpl(tryfirst=True)
def collect_yield_tests(collector: pytest.Collector, name: str, obj: Any) -> Any:
    """``pytest_pycollect_makeitem``: a nose-style generator test becomes
    one test calling each ``(check, *args)`` it yields."""
    # The name first: a module's ``request`` proxy cannot be inspected.
    if not (
        isinstance(collector, pytest.Module)
        and collector.funcnamefilter(name)
        and inspect.isgeneratorfunction(obj)
    ):
        return None

    def run_yielded() -> None:
        for check, *args in obj():
            check(*args)

    return pytest.Function.from_parent(collector, name=name, callobj=run_yielded)


def _test_helpers() -> None:
    if not os.path.isfile(os.path.join("flask_restful", "reqparse.py")):
        return  # another project's suite
    import erlen.signals

    if not hasattr(erlen.signals, "signals_available"):
        erlen.signals.signals_available = True  # type: ignore[attr-defined]
    plugin = sys.modules.get("flask_as_erlen")  # being imported: its hooks are read after
    if plugin is not None and not hasattr(plugin, "pytest_pycollect_makeitem"):
        plugin.pytest_pycollect_makeitem = collect_yield_tests  # type: ignore[attr-defined]
    if importlib.util.find_spec("mock") is None:
        sys.modules["mock"] = unittest.mock
    if importlib.util.find_spec("nose") is None:
        nose = types.ModuleType("nose")
        nose.__path__ = []
        nose.SkipTest = unittest.SkipTest  # type: ignore[attr-defined]
        tools = types.ModuleType("nose.tools")
        case = unittest.TestCase("__init__")
        for name, method in {
            "assert_equal": case.assertEqual,
            "assert_equals": case.assertEqual,
            "assert_not_equal": case.assertNotEqual,
            "assert_true": case.assertTrue,
            "assert_false": case.assertFalse,
            "assert_raises": case.assertRaises,
            "assert_is_none": case.assertIsNone,
            "assert_in": case.assertIn,
        }.items():
            setattr(tools, name, method)
        nose.tools = tools  # type: ignore[attr-defined]
        sys.modules["nose"] = nose
        sys.modules["nose.tools"] = tools


_test_helpers()
