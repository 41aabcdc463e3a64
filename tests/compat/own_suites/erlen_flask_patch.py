"""Pytest plugin: run a Flask extension's own suite, the extension itself
unchanged, on erlen through :mod:`erlen.flask_patch` alone (``-p
erlen_flask_patch``): what a user gets who imports the shim first."""

from __future__ import annotations

import pytest_compat  # noqa: F401  - the suites' old pytest names

import erlen.flask_patch  # noqa: F401
