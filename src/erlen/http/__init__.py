"""The HTTP toolkit (Werkzeug's role): requests, responses, headers, forms.

``from erlen.http import Request, Response`` works as ``from werkzeug
import Request, Response`` does; the classes are imported when first asked
for, so ``import erlen.http`` itself stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .request import Request as Request
    from .response import Response as Response

__all__ = ["Request", "Response"]


def __getattr__(name: str) -> Any:
    # The top-level names Werkzeug exports, loaded on first use.
    if name == "Request":
        from .request import Request

        return Request
    if name == "Response":
        from .response import Response

        return Response
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
