"""Errors that explain a mistake in debug mode (``DEBUG = True``).

Outside debug mode the same mistakes give the plain error (a 400 for a
missing file, the redirect for a routing redirect); in debug mode these say
what went wrong and how to fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .http.datastructures import ImmutableMultiDict

if TYPE_CHECKING:
    from .wrappers import Request

__all__ = ["DebugFilesKeyError", "FormDataRoutingRedirect", "attach_enctype_error_multidict"]


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` in debug mode, when the key is a form field: the
    form was not sent as ``multipart/form-data``, so the browser sent the
    file's name and not its contents."""

    def __init__(self, request: Request, key: str) -> None:
        submitted = request.form.getlist(key)
        lines = [
            f"request.files has no file {key!r}: the request's content type is"
            f" {request.mimetype!r}, not 'multipart/form-data', so no file"
            " contents were transmitted.",
            'Give the HTML form the attribute enctype="multipart/form-data".',
        ]
        if submitted:
            shown = ", ".join(repr(value) for value in submitted)
            lines.append(f"The browser sent the file name in request.form instead: {shown}.")
        self.msg = "\n".join(lines)

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A routing redirect (a URL without its rule's trailing slash, say) of a
    request with a body, by a code that makes browsers drop the body (301
    or 302): in debug mode erlen raises this instead of redirecting."""

    def __init__(self, request: Request) -> None:
        exc: Any = request.routing_exception
        lines = [
            f"A request was sent to {request.url!r}, but routing issued a redirect"
            f" to the canonical URL {exc.new_url!r}."
        ]
        if f"{request.base_url}/" == exc.new_url.partition("?")[0]:
            lines.append(
                "The URL was defined with a trailing slash; erlen redirects to the"
                " URL with the slash when it is missing."
            )
        lines.append(
            f"The redirect is a {exc.code}, so the browser will not resend the"
            f" {request.method} body: send the request to the canonical URL, or"
            " redirect with 307 or 308. This error is only raised in debug mode."
        )
        super().__init__("\n".join(lines))


class _FilesWithHint(ImmutableMultiDict[str, Any]):
    """An empty ``request.files`` whose missing keys explain themselves."""

    _request: Request

    def __getitem__(self, key: str) -> Any:
        if key in self._request.form:
            raise DebugFilesKeyError(self._request, key)
        return super().__getitem__(key)


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise :class:`DebugFilesKeyError` for a
    ``key`` that is a form field (``request.files`` must be empty)."""
    files = _FilesWithHint()
    files._request = request
    request._files = files
