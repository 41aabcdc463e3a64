"""``Content-Security-Policy``: a dict of directives with an attribute per directive."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._common import _CallbackDict

__all__ = ["ContentSecurityPolicy"]

_Updater = Callable[["ContentSecurityPolicy"], None]


class _Directive:
    """One directive as an attribute: ``csp.default_src`` is ``csp["default-src"]``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: ContentSecurityPolicy | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.get(self.name)

    def __set__(self, obj: ContentSecurityPolicy, value: str | None) -> None:
        if value is None:
            obj.pop(self.name, None)
        else:
            obj[self.name] = value

    def __delete__(self, obj: ContentSecurityPolicy) -> None:
        obj.pop(self.name, None)


class ContentSecurityPolicy(_CallbackDict[str]):
    """The directives of a ``Content-Security-Policy`` header, name to value
    (``{"default-src": "'self'"}``), with an attribute per directive
    (``csp.default_src = "'self'"``; None removes it).

    A response's :attr:`~erlen.http.response.Response.content_security_policy`
    rewrites its header after every change (``on_update``), as Werkzeug's
    does. :meth:`to_header` gives the header text.
    """

    __slots__ = ()

    def __init__(
        self,
        values: Mapping[str, str] | Iterable[tuple[str, str]] | None = (),
        on_update: _Updater | None = None,
    ) -> None:
        super().__init__(values or ())
        self.on_update = on_update

    def to_header(self) -> str:
        """The header text: ``name value`` pairs joined by ``"; "``."""
        return "; ".join(f"{name} {value}" for name, value in self.items())

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        items = " ".join(f"{name}={value!r}" for name, value in self.items())
        return f"<{type(self).__name__} {items}>"

    base_uri = _Directive("base-uri")
    child_src = _Directive("child-src")
    connect_src = _Directive("connect-src")
    default_src = _Directive("default-src")
    font_src = _Directive("font-src")
    form_action = _Directive("form-action")
    frame_ancestors = _Directive("frame-ancestors")
    frame_src = _Directive("frame-src")
    img_src = _Directive("img-src")
    manifest_src = _Directive("manifest-src")
    media_src = _Directive("media-src")
    navigate_to = _Directive("navigate-to")
    object_src = _Directive("object-src")
    prefetch_src = _Directive("prefetch-src")
    plugin_types = _Directive("plugin-types")
    report_to = _Directive("report-to")
    report_uri = _Directive("report-uri")
    sandbox = _Directive("sandbox")
    script_src = _Directive("script-src")
    script_src_attr = _Directive("script-src-attr")
    script_src_elem = _Directive("script-src-elem")
    style_src = _Directive("style-src")
    style_src_attr = _Directive("style-src-attr")
    style_src_elem = _Directive("style-src-elem")
    worker_src = _Directive("worker-src")
