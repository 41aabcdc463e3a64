"""The parsed ``User-Agent`` header."""

from __future__ import annotations

import re

__all__ = [
    "UserAgent",
]


_UA_PLATFORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("cros", r"\bCrOS\b"),
        ("iphone", r"iPhone|iPod"),
        ("ipad", r"iPad"),
        ("android", r"Android"),
        ("windows", r"Windows|Win(?:NT|9[58]|32|64)"),
        ("macos", r"Macintosh|Mac OS X|Darwin"),
        ("linux", r"Linux|X11"),
        ("freebsd", r"FreeBSD"),
        ("openbsd", r"OpenBSD"),
        ("netbsd", r"NetBSD"),
        ("solaris", r"SunOS|Solaris"),
        ("blackberry", r"BlackBerry|BB10"),
    )
)

_V = r"[/ ]v?(?P<version>[\w.]+)"
_UA_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("googlebot", r"Googlebot" + _V),
        ("bingbot", r"bingbot" + _V),
        ("yahoo", r"Yahoo! Slurp"),
        ("edge", r"(?:Edg|EdgA|EdgiOS|Edge)" + _V),
        ("opera", r"(?:OPR|Opera|OPiOS)" + _V),
        ("samsungbrowser", r"SamsungBrowser" + _V),
        ("yandex", r"YaBrowser" + _V),
        ("vivaldi", r"Vivaldi" + _V),
        ("chrome", r"(?:Chrome|CriOS|Chromium)" + _V),
        ("firefox", r"(?:Firefox|FxiOS)" + _V),
        ("msie", r"(?:MSIE (?P<v1>[\w.]+)|Trident/.*?rv:(?P<v2>[\w.]+))"),
        ("safari", r"Version/(?P<version>[\w.]+).*Safari"),
        ("safari", r"Safari" + _V),
        ("curl", r"curl" + _V),
        ("wget", r"Wget" + _V),
        ("python-requests", r"python-requests" + _V),
    )
)
_UA_LANGUAGE = re.compile(r"(?:;\s*|\s+)(?P<lang>[a-z]{2}(?:[-_][A-Za-z]{2})?)(?=[;)])")


class UserAgent:
    """The ``User-Agent`` string, with a best-effort guess of platform and browser.

    ``platform`` is one of ``windows``, ``macos``, ``linux``, ``android``,
    ``iphone``, ``ipad``, ``cros``, ... and ``browser`` one of ``chrome``,
    ``firefox``, ``safari``, ``edge``, ``opera``, ``msie``, ... (None when
    unknown). Guesses from a free-form header; do not use them for security.
    """

    __slots__ = ("browser", "language", "platform", "string", "version")

    def __init__(self, string: str | None) -> None:
        self.string = string or ""
        self.platform: str | None = None
        self.browser: str | None = None
        self.version: str | None = None
        self.language: str | None = None
        text = self.string
        if not text:
            return
        for name, pattern in _UA_PLATFORMS:
            if pattern.search(text):
                self.platform = name
                break
        for name, pattern in _UA_BROWSERS:
            match = pattern.search(text)
            if match is not None:
                self.browser = name
                groups = match.groupdict()
                self.version = groups.get("version") or groups.get("v1") or groups.get("v2")
                break
        lang = _UA_LANGUAGE.search(text)
        if lang is not None:
            self.language = lang.group("lang")

    def to_header(self) -> str:
        """The original header value."""
        return self.string

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.browser)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UserAgent):
            return NotImplemented
        return self.string == other.string

    def __hash__(self) -> int:
        return hash(self.string)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.browser!r}/{self.version!r}>"
