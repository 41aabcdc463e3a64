"""marshmallow 3, installed apart for the suites written for it.

The compare extra installs marshmallow 4 for the suites that run on it
(flask-marshmallow's, flask-smorest's, webargs'); a suite that needs
marshmallow 3 runs with :func:`marshmallow_3_path` first on its
``PYTHONPATH``: a folder in the own-suites cache holding marshmallow
``MARSHMALLOW_3_VERSION`` alone, installed there (``pip install --target``)
on first use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .runner import SuiteUnavailable, cache_dir

MARSHMALLOW_3_VERSION = "3.26.1"


def marshmallow_3_path() -> Path:
    """The folder holding marshmallow ``MARSHMALLOW_3_VERSION``; raises
    :class:`SuiteUnavailable` when it cannot be installed."""
    target = cache_dir() / f"marshmallow-{MARSHMALLOW_3_VERSION}-target"
    if (target / "marshmallow").is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(partial),
            f"marshmallow=={MARSHMALLOW_3_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise SuiteUnavailable(
            f"pip install marshmallow=={MARSHMALLOW_3_VERSION} failed: {done.stderr.strip()[-500:]}"
        )
    try:
        partial.rename(target)
    except OSError:
        if not (target / "marshmallow").is_dir():
            raise
        # Another run put the same folder in place first.
    shutil.rmtree(partial, ignore_errors=True)
    return target
