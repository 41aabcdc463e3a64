"""Pytest plugin: what Flask-RESTful 0.3.10's own suite needs from outside
Flask-RESTful, when the real extension runs it (``-p restful_suite``, after
``erlen_flask_patch`` on erlen; tests/compat/test_flask_restful_on_erlen.py).

The stand-ins are ext_rest.py's (the battery's run): ``nose`` and ``mock``
from :mod:`unittest` when not installed, and each nose-style ``yield`` test,
which pytest 9 refuses to collect, run as one test. ``flask.signals.
signals_available``, a name Flask 2.3 dropped and test_api.py still imports,
is set on whichever ``flask`` the run imports, erlen's or Flask 3.1.3's, so
that both runs collect the same tests.
"""

from __future__ import annotations

import flask.signals
from ext_rest import collect_yield_tests as pytest_pycollect_makeitem

__all__ = ["pytest_pycollect_makeitem"]

if not hasattr(flask.signals, "signals_available"):
    flask.signals.signals_available = True  # type: ignore[attr-defined]
