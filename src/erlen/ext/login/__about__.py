"""What ``erlen.ext.login`` is, in the names of Flask-Login's ``__about__``
module (``from flask_login.__about__ import __version__`` keeps working
after changing the import). The version is erlen's own."""

from __future__ import annotations

import importlib.metadata

__all__ = [
    "__author__",
    "__author_email__",
    "__copyright__",
    "__description__",
    "__license__",
    "__maintainer__",
    "__title__",
    "__url__",
    "__version__",
    "__version_info__",
]

try:
    __version__ = importlib.metadata.version("erlen")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a source checkout
    __version__ = "0.0.0"

__title__ = "erlen.ext.login"
__description__ = "User sessions for erlen, with Flask-Login's API."
__url__ = ""  # erlen publishes no project URL
__version_info__ = tuple(int(part) if part.isdigit() else part for part in __version__.split("."))
__author__ = "The erlen authors"
__author_email__ = ""
__maintainer__ = "The erlen authors"
__license__ = "BSD-3-Clause"
__copyright__ = "(c) The erlen authors"
