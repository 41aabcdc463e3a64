"""Type aliases for what views, hooks and handlers take and return."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, Union

if TYPE_CHECKING:
    from .http.datastructures import Headers
    from .http.response import Response

#: What a view may return as a body.
ResponseValue: TypeAlias = Union[
    "Response",
    str,
    bytes,
    list[Any],
    Mapping[str, Any],
    Iterator[str],
    Iterator[bytes],
    AsyncIterator[str],
    AsyncIterator[bytes],
]

#: A header value: one string, or several.
HeaderValue: TypeAlias = str | list[str] | tuple[str, ...]

#: Headers returned by a view: a ``Headers``, a dict or a list of pairs.
HeadersValue: TypeAlias = Union[
    "Headers",
    Mapping[str, HeaderValue],
    Sequence[tuple[str, HeaderValue]],
]

#: Everything a view, a ``before_request`` function or an error handler may return.
ResponseReturnValue: TypeAlias = (
    ResponseValue
    | tuple[ResponseValue, HeadersValue]
    | tuple[ResponseValue, int]
    | tuple[ResponseValue, int, HeadersValue]
)

ResponseClass = TypeVar("ResponseClass", bound="Response")

#: The key of the registries: None for the app, a dotted name for a blueprint.
AppOrBlueprintKey: TypeAlias = str | None

RouteCallable: TypeAlias = (
    Callable[..., ResponseReturnValue] | Callable[..., Awaitable[ResponseReturnValue]]
)
BeforeFirstRequestCallable: TypeAlias = Callable[[], None] | Callable[[], Awaitable[None]]
BeforeRequestCallable: TypeAlias = (
    Callable[[], ResponseReturnValue | None] | Callable[[], Awaitable[ResponseReturnValue | None]]
)
AfterRequestCallable: TypeAlias = (
    Callable[[ResponseClass], ResponseClass] | Callable[[ResponseClass], Awaitable[ResponseClass]]
)
TeardownCallable: TypeAlias = (
    Callable[[BaseException | None], None] | Callable[[BaseException | None], Awaitable[None]]
)
TemplateContextProcessorCallable: TypeAlias = (
    Callable[[], dict[str, Any]] | Callable[[], Awaitable[dict[str, Any]]]
)
TemplateFilterCallable: TypeAlias = Callable[..., Any]
TemplateGlobalCallable: TypeAlias = Callable[..., Any]
TemplateTestCallable: TypeAlias = Callable[..., bool]
URLDefaultCallable: TypeAlias = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable: TypeAlias = Callable[[str | None, dict[str, Any] | None], None]
ErrorHandlerCallable: TypeAlias = (
    Callable[[Any], ResponseReturnValue] | Callable[[Any], Awaitable[ResponseReturnValue]]
)
ShellContextProcessorCallable: TypeAlias = Callable[[], dict[str, Any]]

__all__ = [
    "AfterRequestCallable",
    "AppOrBlueprintKey",
    "BeforeFirstRequestCallable",
    "BeforeRequestCallable",
    "ErrorHandlerCallable",
    "HeaderValue",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "ShellContextProcessorCallable",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
]
