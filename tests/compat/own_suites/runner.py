"""Download a project's source distribution and run its test suite on erlen.

``run_suite("flask", "3.1.3")`` returns each test's outcome by id. The
sdist is fetched once with ``pip download`` into ``.cache/own-suites`` at
the repository's root (or ``$ERLEN_OWN_SUITES_CACHE``) and unpacked there;
its tests then run in a subprocess, with :mod:`.flask_as_erlen` loaded
first, and report through JUnit XML.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


class SuiteUnavailable(Exception):
    """The source distribution could not be downloaded."""


def cache_dir() -> Path:
    return Path(os.environ.get("ERLEN_OWN_SUITES_CACHE") or ROOT / ".cache" / "own-suites")


def _archive(cache: Path, project: str, version: str) -> Path | None:
    # Older sdists keep the project's spelling ("Flask-Login-0.6.3.tar.gz").
    wanted = f"{project}-{version}.tar.gz".lower().replace("_", "-")
    for path in cache.glob("*.tar.gz"):
        if path.name.lower().replace("_", "-") == wanted:
            return path
    return None


def fetch(project: str, version: str) -> Path:
    """The unpacked sdist of ``project==version``, downloaded if needed."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    unpacked = cache / f"{project.lower()}-{version}"
    if unpacked.is_dir():
        return unpacked
    archive = _archive(cache, project, version)
    if archive is None:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                str(cache),
                f"{project}=={version}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        archive = _archive(cache, project, version)
        if done.returncode != 0 or archive is None:
            raise SuiteUnavailable(
                f"pip download {project}=={version} failed: {done.stderr.strip()[-500:]}"
            )
    # One unpacking folder per process: two runs of the same suite at once
    # (the erlen and the original side, say) must not share it.
    partial = cache / f"{unpacked.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(partial, filter="data")
    # The archive holds one folder; moved into place once complete.
    (top,) = partial.iterdir()
    try:
        top.rename(unpacked)
    except OSError:
        if not unpacked.is_dir():
            raise
        # Another run put the same folder in place first.
    shutil.rmtree(partial, ignore_errors=True)
    return unpacked


def run_suite(
    project: str,
    version: str,
    tests: str | Sequence[str] = "tests",
    *,
    on_erlen: bool = True,
    pytest_args: Sequence[str] = (),
    subdir: str = "",
    copy_out: bool = False,
    plugin: str | None = None,
) -> dict[str, str]:
    """Run the suite; return ``{"tests/test_x.py::test_y": outcome}`` with
    outcome ``passed``, ``failed`` (errors included) or ``skipped``.

    ``tests`` is a path or a list of paths; ``pytest_args`` are more of
    pytest's options (``["--ignore=tests/test_x.py", "-k", "not slow"]``).
    ``on_erlen=False`` runs it on the original project (installed from the
    ``compare`` extra), to tell erlen's failures from the suite's own.
    ``subdir`` runs from a folder of the sdist (an example app with its own
    tests), which is then importable. ``copy_out`` runs copies of the test
    files, made at the sdist's root, for a suite kept inside the package it
    tests (``flask_talisman/talisman_test.py``): on erlen that package's name
    is erlen's module, not a package. The outcomes keep the files' paths.
    ``plugin`` replaces the one loaded on erlen (``flask_as_erlen``): a
    third-party extension's suite runs with ``erlen_flask_patch``, which
    maps only ``flask`` and ``werkzeug``.

    The suite runs with its own pytest configuration and the sdist as its
    root: one without a configuration gets an empty one, not erlen's
    pyproject.toml above the cache.
    """
    paths = [tests] if isinstance(tests, str) else list(tests)
    source = fetch(project, version) / subdir
    copies: dict[str, str] = {}
    if copy_out:
        for path in paths:
            copy, text = Path(path).name, (source / path).read_bytes()
            # Only an earlier run's copy may be there already.
            taken = (source / copy).is_file() and (source / copy).read_bytes() != text
            if copy in copies or taken or (source / copy).is_dir():
                raise ValueError(f"cannot copy {path} to {project}'s root: {copy} is taken")
            (source / copy).write_bytes(text)
            copies[copy] = path
        paths = list(copies)
    report = source / ("erlen-report.xml" if on_erlen else "original-report.xml")
    if not on_erlen:
        plugin = "pytest_compat"
    elif plugin is None:
        plugin = "flask_as_erlen"
    python_path = [str(HERE), str(source) if subdir else "", os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, python_path))}
    if not _has_pytest_config(source):
        empty = cache_dir() / "empty-pytest.ini"
        empty.write_text("[pytest]\n")
        pytest_args = ["-c", str(empty), f"--rootdir={source}", *pytest_args]
    report.unlink(missing_ok=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            plugin,
            "-p",
            "no:cacheprovider",
            "-q",
            "--timeout=60",
            f"--junitxml={report}",
            *pytest_args,
            *paths,
        ],
        cwd=source,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if not report.is_file():
        # pytest stopped before any test (a conftest's import failed, say).
        raise RuntimeError(
            f"{project}'s suite did not run (exit {done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-2000:]}"
        )
    outcomes = _outcomes(report)
    for copy, path in copies.items():
        outcomes = {
            path + test[len(copy) :] if test.startswith(f"{copy}::") else test: outcome
            for test, outcome in outcomes.items()
        }
    return outcomes


def _has_pytest_config(folder: Path) -> bool:
    sections = {
        "pytest.ini": "",
        "pyproject.toml": "[tool.pytest.ini_options]",
        "tox.ini": "[pytest]",
        "setup.cfg": "[tool:pytest]",
    }
    for name, section in sections.items():
        path = folder / name
        if path.is_file() and section in path.read_text(encoding="utf-8", errors="replace"):
            return True
    return False


def _outcomes(report: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).iter("testcase"):
        module = case.get("classname", "")
        name = case.get("name", "")
        parts = module.split(".")
        # "tests.test_cli.TestRoutes" -> tests/test_cli.py::TestRoutes::name;
        # a module named "x_test" is a test file when none is "test_x".
        index = next((i for i, p in enumerate(parts) if p.startswith("test_")), None)
        if index is None:
            index = next((i for i, p in enumerate(parts) if p.endswith("_test")), len(parts) - 1)
        path = "/".join(parts[: index + 1]) + ".py"
        test_id = "::".join([path, *parts[index + 1 :], name])
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[test_id] = "failed"
        elif case.find("skipped") is not None:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = "passed"
    return outcomes
