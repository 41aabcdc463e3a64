"""The assertions every own-suite test makes (tests/compat/test_*_own_suite.py)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import pytest

from .runner import SuiteUnavailable, run_suite


def run_or_skip(project: str, version: str, *args: Any, **kwargs: Any) -> dict[str, str]:
    """:func:`run_suite`, skipping the test when the sdist cannot be
    downloaded (failing it in CI, where ``ERLEN_REQUIRE_SERVICES`` is set)."""
    try:
        return run_suite(project, version, *args, **kwargs)
    except SuiteUnavailable as e:
        if os.environ.get("ERLEN_REQUIRE_SERVICES"):
            raise
        pytest.skip(str(e))


def prepend_to_suite_path(monkeypatch: pytest.MonkeyPatch, *folders: Callable[[], Path]) -> None:
    """Put the folders the ``folders`` callables give (fetched or installed
    on first use) first on the ``PYTHONPATH`` the suite's subprocess
    inherits; skip the test when one cannot be had, or fail it in CI, as
    :func:`run_or_skip`."""
    try:
        paths = [str(folder()) for folder in folders]
    except SuiteUnavailable as e:
        if os.environ.get("ERLEN_REQUIRE_SERVICES"):
            raise
        pytest.skip(str(e))
    paths.append(os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, paths)))


def require_test_dependency(module: str, distribution: str, suite: str) -> None:
    """Skip the test when a suite's own test dependency (``module``, from
    ``distribution``) is not installed, or fail it in CI (the compare extra
    installs it there; ``ERLEN_REQUIRE_SERVICES``)."""
    if importlib.util.find_spec(module) is not None:
        return
    message = f"{suite}'s tests need {distribution} (the compare extra)"
    if os.environ.get("ERLEN_REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


def assert_only_listed_failures(
    outcomes: Mapping[str, str],
    erlen_differs: Mapping[str, str],
    *,
    fail_on_original: Mapping[str, str] | None = None,
    pass_on_erlen_only: Collection[str] = (),
    min_passed: int,
) -> None:
    """The suite's failures on erlen are exactly the listed ones.

    ``erlen_differs`` fail on erlen only; ``fail_on_original`` fail on the
    original project too, and on erlen unless they are in
    ``pass_on_erlen_only``, which must pass. A listed test that passes (or
    is gone) fails this check as well as an unlisted failure, so the lists
    stay exact; ``min_passed`` guards against a suite that stopped running.
    """
    original = dict(fail_on_original or {})
    assert not erlen_differs.keys() & original.keys(), "a test is listed twice"
    assert set(pass_on_erlen_only) <= original.keys()
    failed = {test for test, outcome in outcomes.items() if outcome == "failed"}
    passed = {test for test, outcome in outcomes.items() if outcome == "passed"}
    expected = erlen_differs.keys() | (original.keys() - set(pass_on_erlen_only))
    # The tests named in the message: pytest's own explanation of a long
    # comparison is cut short in CI's quiet output.
    unlisted = sorted(failed - expected)
    assert unlisted == [], f"tests failing on erlen that are not listed: {unlisted}"
    gone = sorted(expected - failed)
    assert gone == [], f"listed tests that pass (or vanished), remove them: {gone}"
    assert sorted(set(pass_on_erlen_only) - passed) == []
    assert len(passed) >= min_passed
