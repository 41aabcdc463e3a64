"""Turning an exception into the one line a failed row prints."""

from __future__ import annotations

import traceback


def describe(exc: BaseException) -> str:
    """``Type: message (at file:line in function)``, pointing at the innermost frame
    inside erlen or the framework rather than at the benchmark driver."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "/suite/" not in frame.filename:
            where = f" (at {_short(frame.filename)}:{frame.lineno} in {frame.name})"
            break
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(message) > 200:
        message = message[:200] + "..."
    return f"{type(exc).__name__}: {message}{where}"


def _short(path: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path
