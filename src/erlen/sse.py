"""Server-Sent Events: a response that streams events to an ``EventSource``.

::

    from erlen.sse import EventStream, ServerSentEvent

    @app.get("/clock")
    async def clock():
        async def ticks():
            for n in range(3):
                yield ServerSentEvent({"tick": n}, event="tick", id=str(n))
                await asyncio.sleep(1)
        return EventStream(ticks())

The source is a sync or async generator (any iterable or async iterable)
yielding :class:`ServerSentEvent` objects, ``str`` (the event's data),
``dict`` or ``list`` (JSON data) or ``bytes`` (UTF-8 data). The response
has ``Content-Type: text/event-stream``, ``Cache-Control: no-cache`` and
``X-Accel-Buffering: no`` (so nginx does not hold events back). It works on
both protocols: under WSGI an async source is driven on the worker thread's
event loop. A client that disconnects stops the source (its ``finally``
runs) under ASGI.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from .globals import _cv_app_get
from .wrappers import Response

__all__ = ["EventStream", "ServerSentEvent"]

_FIELD_BREAKS = ("\r", "\n", "\0")


def _check_field(name: str, value: str) -> str:
    # SECURITY: a line break in a single-line field would start a new field
    # (or a new event) chosen by whoever controls the value.
    if any(c in value for c in _FIELD_BREAKS):
        raise ValueError(f"The SSE {name!r} field cannot contain line breaks or NUL: {value!r}.")
    return value


class ServerSentEvent:
    """One event: ``data`` (text; a ``dict`` or ``list`` is sent as JSON;
    text with line breaks becomes several ``data:`` lines), and the optional
    ``event`` name, ``id``, ``retry`` (reconnection delay in milliseconds)
    and ``comment`` (lines starting with ``:``, ignored by browsers; handy
    as a keep-alive)."""

    __slots__ = ("comment", "data", "event", "id", "retry")

    def __init__(
        self,
        data: Any = None,
        event: str | None = None,
        id: str | int | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment

    def encode(self, dumps: Callable[[Any], str] | None = None) -> bytes:
        """The event in the ``text/event-stream`` format, ending with the
        blank line that dispatches it. ``dumps`` serialises dict/list data
        (compact :func:`json.dumps` by default; an :class:`EventStream` uses
        the app's JSON provider)."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in _split_lines(str(self.comment)))
        if self.event is not None:
            lines.append(f"event: {_check_field('event', str(self.event))}")
        if self.data is not None:
            data = self.data
            if isinstance(data, bytes | bytearray):
                text = bytes(data).decode("utf-8")
            elif isinstance(data, str):
                text = data
            else:
                text = (dumps or _compact_json)(data)
            lines.extend(f"data: {line}" for line in _split_lines(text))
        if self.id is not None:
            lines.append(f"id: {_check_field('id', str(self.id))}")
        if self.retry is not None:
            if not isinstance(self.retry, int) or self.retry < 0:
                raise ValueError(f"The SSE 'retry' field is a number of ms, not {self.retry!r}.")
            lines.append(f"retry: {self.retry}")
        if not lines:
            # An empty event would not be dispatched; a comment keeps the stream alive.
            lines.append(":")
        return ("\n".join(lines) + "\n\n").encode("utf-8")

    def __repr__(self) -> str:
        return f"<ServerSentEvent event={self.event!r} id={self.id!r} data={self.data!r}>"


def _split_lines(text: str) -> list[str]:
    # The SSE grammar ends a line at CRLF, CR or LF; "a\n" is two lines ("a", "").
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _compact_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def _encode(item: Any, dumps: Callable[[Any], str]) -> bytes:
    if isinstance(item, ServerSentEvent):
        return item.encode(dumps)
    return ServerSentEvent(item).encode(dumps)


class EventStream(Response):
    """A streamed ``text/event-stream`` response over ``source`` (a sync or
    async iterable of events; see the module docstring). ``status`` and
    ``headers`` are as for :class:`~erlen.Response`."""

    __slots__ = ()

    def __init__(
        self,
        source: Iterable[Any] | AsyncIterable[Any],
        status: int | None = None,
        headers: Any = None,
    ) -> None:
        app_ctx = _cv_app_get(None)
        dumps: Callable[[Any], str] = _compact_json
        if app_ctx is not None:
            provider = app_ctx.app.json

            def dumps(data: Any) -> str:
                return provider.dumps(data, separators=(",", ":"))

        body: Any
        if hasattr(source, "__aiter__"):
            body = _encode_async(source, dumps)  # type: ignore[arg-type]
        else:
            body = _encode_sync(source, dumps)
        super().__init__(body, status=status, headers=headers, content_type="text/event-stream")
        self.headers["Cache-Control"] = "no-cache"
        self.headers["X-Accel-Buffering"] = "no"


def _encode_sync(source: Iterable[Any], dumps: Callable[[Any], str]) -> Iterator[bytes]:
    iterator = iter(source)
    try:
        for item in iterator:
            yield _encode(item, dumps)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


async def _encode_async(
    source: AsyncIterable[Any], dumps: Callable[[Any], str]
) -> AsyncIterator[bytes]:
    iterator = source.__aiter__()
    try:
        async for item in iterator:
            yield _encode(item, dumps)
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
