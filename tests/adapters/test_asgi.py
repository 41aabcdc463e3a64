"""erlen.adapters.asgi: scope to request, the body reader, response to messages."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from asgi_harness import Connection, Message, http_scope, run
from erlen.adapters.asgi import (
    ASGIBody,
    WebSocketConnection,
    WebSocketDisconnect,
    body_may_follow,
    encode_headers,
    request_from_scope,
    send_response,
)
from erlen.http.datastructures import Headers
from erlen.http.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from erlen.http.request import Request
from erlen.http.response import FileWrapper, Response

# -- request_from_scope -------------------------------------------------------------


def test_request_fields_from_scope() -> None:
    scope = http_scope(
        "post",
        "/items/7",
        query_string=b"a=1&a=2&b=%C3%A9",
        headers=[("Content-Type", "application/json"), ("X-Custom-Thing", "v")],
        scheme="https",
        server=("example.com", 8443),
        client=("10.0.0.9", 4242),
    )
    request = request_from_scope(scope, Request)
    assert request.method == "POST"
    assert request.scheme == "https"
    assert request.path == "/items/7"
    assert request.query_string == b"a=1&a=2&b=%C3%A9"
    assert request.args.getlist("a") == ["1", "2"]
    assert request.args["b"] == "é"
    assert request.remote_addr == "10.0.0.9"
    assert request.server == ("example.com", 8443)
    assert request.host == "example.com:8443"
    assert request.url == "https://example.com:8443/items/7?a=1&a=2&b=é"
    assert request.headers["content-type"] == "application/json"
    # Names come back title-cased, as the WSGI adapter shows them.
    assert ("X-Custom-Thing", "v") in list(request.headers)
    assert request.is_json


def test_repeated_headers_and_cookies_are_kept() -> None:
    scope = http_scope(headers=[("Cookie", "a=1"), ("Cookie", "b=2"), ("Accept", "text/html")])
    request = request_from_scope(scope, Request)
    assert request.headers.getlist("Cookie") == ["a=1", "b=2"]
    assert request.cookies.to_dict() == {"a": "1", "b": "2"}


def test_latin1_header_values() -> None:
    scope = http_scope()
    scope["headers"].append((b"x-name", "café".encode("latin-1")))
    assert request_from_scope(scope, Request).headers["X-Name"] == "café"


@pytest.mark.parametrize(
    ("path", "root_path", "expected_path", "expected_root"),
    [
        ("/app/page", "/app", "/page", "/app"),  # path includes root_path (ASGI spec)
        ("/page", "/app", "/page", "/app"),  # path below root_path (older servers)
        ("/app", "/app", "/", "/app"),
        ("/application", "/app", "/application", "/app"),  # not a segment boundary
        ("/app/x", "/app/", "/x", "/app"),
        ("/", "", "/", ""),
    ],
)
def test_root_path(path: str, root_path: str, expected_path: str, expected_root: str) -> None:
    request = request_from_scope(http_scope(path=path, root_path=root_path), Request)
    assert request.path == expected_path
    assert request.root_path == expected_root


def test_non_ascii_path_is_decoded() -> None:
    request = request_from_scope(http_scope(path="/caf\u00e9", raw_path=b"/caf%C3%A9"), Request)
    assert request.path == "/café"


def test_invalid_utf8_path_is_400() -> None:
    # Servers decode with errors="replace"; raw_path shows the bytes were not UTF-8.
    scope = http_scope(path="/caf\ufffd", raw_path=b"/caf%E9")
    with pytest.raises(BadRequest) as info:
        request_from_scope(scope, Request)
    assert info.value.code == 400
    assert "UTF-8" in str(info.value.description)


def test_genuine_replacement_character_is_fine() -> None:
    scope = http_scope(path="/x\ufffd", raw_path=b"/x%EF%BF%BD")
    assert request_from_scope(scope, Request).path == "/x\ufffd"


def test_surrogate_escaped_path_is_400() -> None:
    with pytest.raises(BadRequest):
        request_from_scope(http_scope(path="/a\udce9"), Request)


def test_proxy_fix() -> None:
    scope = http_scope(
        headers=[
            ("X-Forwarded-For", "203.0.113.5"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "public.example"),
            ("X-Forwarded-Prefix", "/shop"),
        ],
        client=("10.0.0.1", 1234),
    )
    proxy = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_prefix": 1}
    request = request_from_scope(scope, Request, proxy=proxy)
    assert request.remote_addr == "203.0.113.5"
    assert request.scheme == "https"
    assert request.host == "public.example"
    assert request.root_path == "/shop"
    assert request.url == "https://public.example/shop/"
    # Without PROXY_FIX the headers are not trusted.
    plain = request_from_scope(scope, Request)
    assert (plain.remote_addr, plain.scheme, plain.host) == ("10.0.0.1", "http", "testserver")


def test_websocket_scope_keeps_ws_scheme() -> None:
    scope = http_scope(path="/ws", kind="websocket", scheme="wss")
    request = request_from_scope(scope, Request)
    assert request.method == "GET"
    assert request.scheme == "wss"
    assert request.is_secure
    scope["headers"].append((b"x-forwarded-proto", b"http"))
    forwarded = request_from_scope(scope, Request, proxy={"x_proto": 1, "x_for": 0})
    assert forwarded.scheme == "ws"


@pytest.mark.parametrize(
    ("version", "headers", "expected"),
    [
        ("1.1", [], False),
        ("1.1", [("Content-Length", "0")], False),
        ("1.1", [("Content-Length", "5")], True),
        ("1.1", [("Transfer-Encoding", "chunked")], True),
        ("2", [], True),
    ],
)
def test_body_may_follow(version: str, headers: list[tuple[str, str]], expected: bool) -> None:
    scope = http_scope(http_version=version, headers=headers)
    assert body_may_follow(scope, Headers(headers)) is expected


# -- ASGIBody ---------------------------------------------------------------------------


class SmallRequest(Request):
    __slots__ = ()
    max_content_length = 250


def _request_with_body(
    connection: Connection,
    headers: list[tuple[str, str]],
    request_class: type[Request] = Request,
    **kwargs: Any,
) -> tuple[Request, ASGIBody]:
    body = ASGIBody(connection.receive, **kwargs)
    request = request_from_scope(http_scope("POST", headers=headers), request_class, body=body)
    return request, body


def test_prefetched_body_reads_fully() -> None:
    async def main() -> tuple[bytes, int]:
        connection = Connection([b"hello ", b"wor", b"ld"])
        request, body = _request_with_body(connection, [("Content-Length", "11")])
        await body.prefetch(None)
        assert body.ended
        calls = connection.receive_calls
        return request.get_data(), calls

    data, calls = run(main())
    assert data == b"hello world"
    assert calls == 3


def _read_chunked_past_250(chunks: list[bytes]) -> tuple[int, bool, BaseException | None]:
    """Prefetch a chunked body with a limit of 250 bytes, then read it: the
    receive() calls, whether the body ended, and what reading raised."""

    async def main() -> tuple[int, bool, BaseException | None]:
        connection = Connection(chunks)
        request, body = _request_with_body(
            connection, [("Transfer-Encoding", "chunked")], SmallRequest
        )
        await body.prefetch(250)
        try:
            request.get_data()
        except RequestEntityTooLarge as e:
            return connection.receive_calls, body.ended, e
        return connection.receive_calls, body.ended, None

    return run(main())


def test_prefetch_stops_past_the_limit_and_reading_gives_413() -> None:
    calls, _, error = _read_chunked_past_250([b"x" * 100] * 50)
    # It stopped receiving right after crossing the limit, not after 50 messages.
    assert calls == 3
    assert isinstance(error, RequestEntityTooLarge)
    assert error.code == 413


def test_declared_length_over_the_limit_is_413_without_receiving() -> None:
    connection = Connection(b"x" * 10)
    body = ASGIBody(connection.receive, asyncio.new_event_loop())
    try:
        request = request_from_scope(
            http_scope("POST", headers=[("Content-Length", "300")]), SmallRequest, body=body
        )
        with pytest.raises(RequestEntityTooLarge):
            request.get_data()
        assert connection.receive_calls == 0
    finally:
        body._loop.close()


def _prefetch_with_threshold(chunks: list[bytes], threshold: int) -> tuple[bytes, bool, int]:
    """Prefetch ``chunks`` (one message each) with ``spool_threshold=threshold``:
    the body read back, whether it went to a file, and the receive() calls."""

    async def main() -> tuple[bytes, bool, int]:
        connection = Connection(chunks)
        length = str(sum(map(len, chunks)))
        request, body = _request_with_body(
            connection, [("Content-Length", length)], spool_threshold=threshold
        )
        await body.prefetch(None)
        spooled = body._file is not None
        data = request.get_data()
        body.close()
        return data, spooled, connection.receive_calls

    return run(main())


def test_large_body_spools_to_a_file() -> None:
    data, spooled, _ = _prefetch_with_threshold([bytes([i]) * 1000 for i in range(20)], 4096)
    assert spooled
    assert data == b"".join(bytes([i]) * 1000 for i in range(20))


def test_small_body_stays_in_memory() -> None:
    async def main() -> bool:
        connection = Connection(b"abc")
        _, body = _request_with_body(connection, [("Content-Length", "3")])
        await body.prefetch(None)
        return body._file is None

    assert run(main())


def test_partial_reads_across_chunks() -> None:
    async def main() -> list[bytes]:
        connection = Connection([b"abc", b"defg"])
        body = ASGIBody(connection.receive)
        await body.prefetch(None)
        return [body.read(2), body.read(2), body.read(10), body.read(10)]

    assert run(main()) == [b"ab", b"c", b"defg", b""]


def test_reading_an_unreceived_body_on_the_loop_is_refused() -> None:
    async def main() -> None:
        connection = Connection([b"a", b"b"])
        body = ASGIBody(connection.receive)
        body.read(1)

    with pytest.raises(RuntimeError, match=r"async for chunk in request\.stream"):
        run(main())


def test_worker_thread_reads_through_the_bridge() -> None:
    async def main() -> tuple[bytes, list[str]]:
        connection = Connection([b"one,", b"two,", b"three"])
        request, _body = _request_with_body(connection, [("Content-Length", "13")])
        names: list[str] = []

        def read_in_thread() -> bytes:
            names.append(threading.current_thread().name)
            return request.get_data()

        data = await asyncio.get_running_loop().run_in_executor(None, read_in_thread)
        return data, names

    data, names = run(main())
    assert data == b"one,two,three"
    assert names and names[0] != threading.main_thread().name


def test_wait_readable_receives_on_the_loop() -> None:
    async def main() -> list[bytes]:
        connection = Connection([b"ab", b"", b"cd"])
        body = ASGIBody(connection.receive)
        out = []
        while True:
            await body.wait_readable()
            chunk = body.read(100)
            if not chunk:
                break
            out.append(chunk)
        return out

    assert run(main()) == [b"ab", b"cd"]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_a_body_in_one_message_is_taken_whole_as_bytes(kind: type) -> None:
    # The one-message fast path of prefetch(): one receive, the body as bytes.
    async def main() -> tuple[bytes, int, bool, int]:
        connection = Connection(trickle=True)
        connection.feed({"type": "http.request", "body": kind(b"name=x"), "more_body": False})
        request, body = _request_with_body(connection, [("Content-Length", "6")])
        await body.prefetch(None)
        return request.get_data(), connection.receive_calls, body.ended, body.received

    data, calls, ended, received = run(main())
    assert (data, calls, ended, received) == (b"name=x", 1, True, 6)
    assert type(data) is bytes


def test_an_empty_last_message_ends_the_body_without_data() -> None:
    async def main() -> tuple[bytes, int, bool]:
        connection = Connection(b"")
        request, body = _request_with_body(connection, [("Content-Length", "0")])
        await body.prefetch(None)
        return request.get_data(), connection.receive_calls, bool(body._chunks)

    assert run(main()) == (b"", 1, False)


def test_one_message_over_the_limit_is_kept_and_reading_gives_413() -> None:
    calls, ended, error = _read_chunked_past_250([b"x" * 300])
    assert calls == 1
    assert ended
    assert isinstance(error, RequestEntityTooLarge)


def test_a_disconnect_as_the_first_message_is_client_disconnected() -> None:
    async def main() -> None:
        connection = Connection(trickle=True)
        connection.disconnect()
        request, body = _request_with_body(connection, [("Content-Length", "10")])
        await body.prefetch(None)
        assert body.disconnected
        assert connection.receive_calls == 1
        request.get_data()

    with pytest.raises(ClientDisconnected):
        run(main())


def test_a_first_message_with_more_to_come_goes_on_receiving() -> None:
    data, spooled, calls = _prefetch_with_threshold([b"x" * 3000, b"y" * 3000], 4096)
    assert data == b"x" * 3000 + b"y" * 3000
    assert calls == 2
    assert spooled  # 6000 bytes over the 4096 threshold: to a file


def test_a_first_message_over_the_threshold_spools_even_with_more_to_come() -> None:
    assert _prefetch_with_threshold([b"x" * 5000, b"y"], 4096) == (b"x" * 5000 + b"y", True, 2)


def test_disconnect_before_the_end_is_client_disconnected() -> None:
    async def main() -> None:
        connection = Connection(trickle=True)
        connection.feed({"type": "http.request", "body": b"abc", "more_body": True})
        connection.disconnect()
        request, body = _request_with_body(connection, [("Content-Length", "10")])
        await body.prefetch(None)
        assert body.disconnected
        request.get_data()

    with pytest.raises(ClientDisconnected) as info:
        run(main())
    assert info.value.code == 400


# -- send_response ------------------------------------------------------------------------


def _send(response: Response, method: str = "GET", **kwargs: Any) -> tuple[list[Message], Any]:
    connection = Connection(kwargs.pop("disconnect_body", b""), **kwargs)

    async def main() -> None:
        body = ASGIBody(connection.receive, ended=True)
        await send_response(response, connection.send, method=method, body=body)

    run(main())
    return connection.result.messages, connection.result


def test_buffered_body_is_one_message() -> None:
    response = Response("hello", headers={"X-A": "1"})
    messages, result = _send(response)
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert result.status == 200
    assert result.header("content-length") == "5"
    assert result.header("x-a") == "1"
    assert result.body == b"hello"
    assert not messages[1].get("more_body", False)


def test_head_drops_the_body_but_keeps_its_length() -> None:
    closed: list[bool] = []
    response = Response("hello")
    response.call_on_close(lambda: closed.append(True))
    _, result = _send(response, method="HEAD")
    assert result.body == b""
    assert result.header("content-length") == "5"
    assert closed == [True]


@pytest.mark.parametrize("status", [204, 304])
def test_no_content_statuses(status: int) -> None:
    response = Response("ignored", status=status, headers={"ETag": '"x"'})
    _, result = _send(response)
    assert result.status == status
    assert result.body == b""
    assert result.header("content-length") is None
    assert result.header("content-type") is None
    assert result.header("etag") == '"x"'


@pytest.mark.parametrize(("body", "length"), [(None, "0"), ([], "0"), (["a", b"\xc3\xa9"], "3")])
def test_sequence_body_without_length_gets_one(body: Any, length: str) -> None:
    # COMPAT(flask): Werkzeug sends Content-Length for every list or tuple body.
    response = Response(body)
    response.headers.pop("Content-Length", None)
    _, result = _send(response)
    assert result.headers == [
        ("content-type", "text/plain; charset=utf-8"),
        ("content-length", length),
    ]
    assert len(result.body) == int(length)
    assert "Content-Length" not in response.headers


def test_empty_response_head_and_204() -> None:
    _, head = _send(Response(), method="HEAD")
    assert head.header("content-length") == "0"
    _, no_content = _send(Response(status=204))
    assert no_content.header("content-length") is None


def test_streamed_body_gets_no_length() -> None:
    def generate() -> Iterator[bytes]:
        yield b"abc"

    _, result = _send(Response(generate()))
    assert result.body == b"abc"
    assert result.header("content-length") is None


def test_location_is_sent_as_a_uri() -> None:
    response = Response("x", 302, {"Location": "/rel path?q=\u00fc"})
    response.headers["Content-Location"] = "http://b\u00fccher.de/a b"
    _, result = _send(response)
    assert result.header("location") == "/rel%20path?q=%C3%BC"
    assert result.header("content-location") == "http://xn--bcher-kva.de/a%20b"
    assert response.location == "/rel path?q=\u00fc"


def test_websocket_denial_gets_length_too() -> None:
    connection = Connection(b"")

    async def main() -> None:
        await send_response(Response(status=403), connection.send, kind="websocket.http")

    run(main())
    start = connection.result.messages[0]
    assert start["type"] == "websocket.http.response.start"
    assert (b"content-length", b"0") in start["headers"]


def test_sync_generator_runs_in_the_pool() -> None:
    threads: list[str] = []

    def generate() -> Iterator[str]:
        threads.append(threading.current_thread().name)
        yield "a"
        threads.append(threading.current_thread().name)
        yield "b"

    messages, result = _send(Response(generate()))
    assert result.body == b"ab"
    assert result.complete
    assert all(name != threading.main_thread().name for name in threads)
    chunks = [m["body"] for m in messages if m["type"] == "http.response.body"]
    assert chunks == [b"a", b"b", b""]


def test_async_generator_body() -> None:
    async def generate() -> AsyncIterator[Any]:
        yield "x"
        await asyncio.sleep(0)
        yield b"y"

    response = Response(None)
    response.response = generate()  # type: ignore[assignment]
    _, result = _send(response)
    assert result.body == b"xy"
    assert result.complete


def test_file_body_is_read_in_chunks_and_closed(tmp_path: Any) -> None:
    data = bytes(range(256)) * 1000  # 256000 bytes
    file = io.BytesIO(data)
    response = Response(FileWrapper(file, buffer_size=8192))
    messages, result = _send(response)
    assert result.body == data
    sizes = [len(m["body"]) for m in messages if m["type"] == "http.response.body"]
    assert max(sizes) == 64 * 1024  # the ASGI side reads larger chunks
    assert len(sizes) > 2
    assert file.closed


def test_file_wrapper_range() -> None:
    file = io.BytesIO(b"0123456789")
    response = Response(FileWrapper(file, offset=2, length=5))
    _, result = _send(response)
    assert result.body == b"23456"


def test_close_runs_once() -> None:
    calls: list[int] = []

    def generate() -> Iterator[bytes]:
        yield b"1"

    response = Response(generate())
    response.call_on_close(lambda: calls.append(1))
    _send(response)
    response.close()
    assert calls == [1]


def test_disconnect_stops_a_sync_generator() -> None:
    state = {"produced": 0, "finally": False}

    def endless() -> Iterator[bytes]:
        try:
            while True:
                state["produced"] += 1
                yield b"tick"
        finally:
            state["finally"] = True

    closed: list[bool] = []
    response = Response(endless())
    response.call_on_close(lambda: closed.append(True))
    _, result = _send(response, disconnect_after=3)
    assert state["finally"] is True
    assert closed == [True]
    assert not result.complete
    # It stopped within a few chunks of the disconnect.
    assert 3 <= state["produced"] <= 6


def test_disconnect_stops_an_async_generator_waiting_for_data() -> None:
    state: dict[str, Any] = {"finally": False, "cancelled": False}

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b"first"
            await asyncio.sleep(3600)  # waits for an event that never comes
            yield b"never"
        except asyncio.CancelledError:
            state["cancelled"] = True
            raise
        finally:
            state["finally"] = True

    response = Response(None)
    response.response = events()  # type: ignore[assignment]
    _, result = _send(response, disconnect_after=1)
    assert result.body == b"first"
    assert state == {"finally": True, "cancelled": True}


def test_generator_error_after_start_propagates_and_closes() -> None:
    closed: list[bool] = []

    def broken() -> Iterator[bytes]:
        yield b"part"
        raise ValueError("boom")

    response = Response(broken())
    response.call_on_close(lambda: closed.append(True))
    with pytest.raises(ValueError, match="boom"):
        _send(response)
    assert closed == [True]


def test_send_response_without_watching() -> None:
    async def main() -> list[Message]:
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        await send_response(Response(iter([b"a", b"b"])), send)
        return sent

    sent = run(main())
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"ab"


def test_encode_headers() -> None:
    assert encode_headers([("X-Thing", "café"), ("X-Emoji", "\u2603")]) == [
        (b"x-thing", "café".encode("latin-1")),
        (b"x-emoji", "\u2603".encode()),
    ]


# -- WebSocketConnection ------------------------------------------------------------------


class _Peer:
    def __init__(self, *incoming: Message, extensions: dict[str, Any] | None = None) -> None:
        self.incoming = list(incoming)
        self.sent: list[Message] = []
        self.scope = http_scope(kind="websocket", scheme="ws", extensions=extensions)

    async def receive(self) -> Message:
        return self.incoming.pop(0)

    async def send(self, message: Message) -> None:
        self.sent.append(message)


def test_websocket_connection_round_trip() -> None:
    peer = _Peer(
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "hi"},
        {"type": "websocket.receive", "bytes": b"\x00\x01"},
        {"type": "websocket.disconnect", "code": 1001},
    )

    async def main() -> list[Any]:
        ws = WebSocketConnection(peer.scope, peer.receive, peer.send)
        await ws.accept("chat", headers={"X-A": "1"})
        got: list[Any] = [await ws.receive(), await ws.receive()]
        await ws.send("text")
        await ws.send(b"bin")
        try:
            await ws.receive()
        except WebSocketDisconnect as e:
            got.append(e.code)
        return got

    assert run(main()) == ["hi", b"\x00\x01", 1001]
    assert peer.sent == [
        {"type": "websocket.accept", "subprotocol": "chat", "headers": [(b"x-a", b"1")]},
        {"type": "websocket.send", "text": "text"},
        {"type": "websocket.send", "bytes": b"bin"},
    ]


def test_websocket_send_rejects_other_types() -> None:
    peer = _Peer({"type": "websocket.connect"})

    async def main() -> None:
        ws = WebSocketConnection(peer.scope, peer.receive, peer.send)
        await ws.send({"a": 1})  # type: ignore[arg-type]

    with pytest.raises(TypeError, match="send_json"):
        run(main())


def test_deny_with_the_http_response_extension() -> None:
    peer = _Peer({"type": "websocket.connect"}, extensions={"websocket.http.response": {}})

    async def main() -> None:
        ws = WebSocketConnection(peer.scope, peer.receive, peer.send)
        await ws.deny(Response("go away", status=403))

    run(main())
    assert [m["type"] for m in peer.sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert peer.sent[0]["status"] == 403
    assert peer.sent[1]["body"] == b"go away"


def test_deny_without_the_extension_closes() -> None:
    peer = _Peer({"type": "websocket.connect"})

    async def main() -> None:
        ws = WebSocketConnection(peer.scope, peer.receive, peer.send)
        await ws.deny(Response("go away", status=403))

    run(main())
    assert peer.sent == [{"type": "websocket.close", "code": 1008}]


# -- fast paths ----------------------------------------------------------------------------


def test_scope_headers_of_any_byte_type_and_unseen_names() -> None:
    from erlen.adapters.asgi import _HEADER_NAMES

    unseen = b"x-never-seen-before-h26"
    _HEADER_NAMES.pop(unseen, None)
    scope = http_scope()
    scope["headers"] = [
        (b"host", b"example.org"),
        (bytearray(b"x-array"), bytearray(b"a\xe9")),
        (memoryview(b"x-view"), memoryview(b"v")),
        (unseen, b"1"),
        [b"x-list-pair", b"2"],
        (b"X-Mixed-Case", b"3"),
    ]
    request = request_from_scope(scope, Request)
    assert list(request.headers) == [
        ("Host", "example.org"),
        ("X-Array", "a\xe9"),
        ("X-View", "v"),
        ("X-Never-Seen-Before-H26", "1"),
        ("X-List-Pair", "2"),
        ("X-Mixed-Case", "3"),
    ]
    # The second time the names are cached: same result.
    assert list(request_from_scope(scope, Request).headers) == list(request.headers)


def test_server_and_client_as_lists_or_tuples() -> None:
    scope = http_scope(server=("example.org", 8080), client=("10.1.2.3", 1))
    request = request_from_scope(scope, Request)
    assert request.server == ("example.org", 8080)
    assert request.remote_addr == "10.1.2.3"
    scope["server"] = ["example.org", 8081]
    scope["client"] = ["10.1.2.4", 2]
    request = request_from_scope(scope, Request)
    assert request.server == ("example.org", 8081)
    assert type(request.server) is tuple
    assert request.remote_addr == "10.1.2.4"
    scope["server"] = None
    scope["client"] = None
    request = request_from_scope(scope, Request)
    assert request.server is None
    assert request.remote_addr is None


@pytest.mark.parametrize(
    ("headers", "version", "expected"),
    [
        ([], "1.1", False),
        ([("Content-Length", "0")], "1.1", False),
        ([("Content-Length", " ")], "1.1", False),
        ([("Content-Length", "5")], "1.1", True),
        ([("Content-Length", "0"), ("Content-Length", "5")], "1.1", False),
        ([("Transfer-Encoding", "chunked")], "1.0", True),
        ([("Transfer-Encoding", ""), ("Transfer-Encoding", "chunked")], "1.1", False),
        ([("Transfer-Encoding", ""), ("Content-Length", "3")], "1.1", True),
        ([], "2", True),
        ([], "3", True),
    ],
)
def test_scope_body_may_follow_agrees_with_body_may_follow(
    headers: list[tuple[str, str]], version: str, expected: bool
) -> None:
    from erlen.adapters.asgi import _scope_body_may_follow

    scope = http_scope("POST", headers=headers, http_version=version)
    request = request_from_scope(scope, Request)
    assert body_may_follow(scope, request.headers) is expected
    assert _scope_body_may_follow(scope, request.headers) is expected


def test_empty_body_reads_nothing() -> None:
    from erlen.adapters.asgi import EMPTY_BODY

    request = request_from_scope(http_scope(), Request, body=EMPTY_BODY)
    assert request.get_data() == b""
    assert request.input_stream is EMPTY_BODY
    assert EMPTY_BODY.read(10) == b""
    assert EMPTY_BODY.readline() == b""
    assert EMPTY_BODY.ended
    EMPTY_BODY.close()
    assert EMPTY_BODY.read() == b""

    async def chunks() -> list[bytes]:
        request = request_from_scope(http_scope(), Request, body=EMPTY_BODY)
        return [chunk async for chunk in request.stream]

    assert run(chunks()) == []


def test_encode_headers_caches_only_public_pairs() -> None:
    from erlen.adapters.asgi import _PAIR_CACHE

    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "5"),
        ("Set-Cookie", "session=secret-h26"),
        ("X-Name", "caf\u00e9"),
        ("X-Emoji", "\u2603"),
    ]
    expected = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"5"),
        (b"set-cookie", b"session=secret-h26"),
        (b"x-name", b"caf\xe9"),
        (b"x-emoji", "\u2603".encode()),
    ]
    assert encode_headers(headers) == expected
    assert encode_headers(headers) == expected
    assert encode_headers(iter([list(pair) for pair in headers])) == expected  # type: ignore[misc]
    assert ("Content-Type", "text/plain; charset=utf-8") in _PAIR_CACHE
    assert ("Set-Cookie", "session=secret-h26") not in _PAIR_CACHE
    assert len(_PAIR_CACHE) <= 1024


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([b"one chunk"], b"one chunk"),
        (["text ", "\u00e9"], "text \u00e9".encode()),
        ([], b""),
        ((b"a", b"b"), b"ab"),
    ],
)
def test_buffered_body_is_one_start_and_one_body_message(body: Any, expected: bytes) -> None:
    response = Response()
    response.response = body
    closed: list[bool] = []
    response.call_on_close(lambda: closed.append(True))
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    run(send_response(response, send, method="GET"))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == expected
    assert not sent[1].get("more_body", False)
    assert closed == [True]


def test_asgi_body_iterates_sync_and_async() -> None:
    async def main() -> tuple[list[bytes], list[bytes]]:
        messages = iter(
            [
                {"type": "http.request", "body": b"ab", "more_body": True},
                {"type": "http.request", "body": b"", "more_body": True},
                {"type": "http.request", "body": b"cd", "more_body": False},
            ]
        )

        async def receive() -> Message:
            return next(messages)

        streamed = ASGIBody(receive)
        got = [chunk async for chunk in streamed]
        fed = iter([{"type": "http.request", "body": b"xyz", "more_body": False}])

        async def receive_again() -> Message:
            return next(fed)

        prefetched = ASGIBody(receive_again)
        await prefetched.prefetch()
        return got, list(prefetched)

    assert run(main()) == ([b"ab", b"cd"], [b"xyz"])


class _CountingFile(io.BytesIO):
    """A BytesIO that records the size of every read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


@pytest.mark.parametrize("length", [9000, 64 * 1024, 100_000, 256 * 1024])
def test_small_file_range_is_one_read_and_one_message(length: int) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    file = _CountingFile(data)
    response = Response(FileWrapper(file, offset=1000, length=length))
    messages, result = _send(response)
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.body"]
    assert messages[1]["more_body"] is False
    assert result.body == data[1000 : 1000 + length]
    assert file.reads == [length]
    assert file.closed


def test_large_file_range_streams_in_64k_chunks() -> None:
    data = bytes(range(256)) * 4096
    file = io.BytesIO(data)
    response = Response(FileWrapper(file, offset=10, length=256 * 1024 + 1))
    messages, result = _send(response)
    sizes = [len(m["body"]) for m in messages if m["type"] == "http.response.body"]
    assert sizes == [65536, 65536, 65536, 65536, 1, 0]
    assert result.body == data[10 : 10 + 256 * 1024 + 1]
    assert file.closed


def test_file_range_past_end_of_file_sends_what_exists() -> None:
    file = io.BytesIO(b"0123456789")
    response = Response(FileWrapper(file, offset=7, length=100))
    _, result = _send(response)
    assert result.body == b"789"
    assert file.closed


def test_file_range_closes_response_once_and_head_sends_no_body() -> None:
    calls: list[int] = []
    response = Response(FileWrapper(io.BytesIO(b"abcdef"), offset=1, length=3))
    response.call_on_close(lambda: calls.append(1))
    _, result = _send(response, method="HEAD")
    assert result.body == b""
    assert calls == [1]
    response.close()
    assert calls == [1]


# -- ScopeHeaders ------------------------------------------------------------------


def _scope_request_headers(headers: list[tuple[str, str]]) -> Any:
    return request_from_scope(http_scope(headers=headers), Request).headers


@pytest.mark.parametrize("key", ["X-Request-Id", "x-request-id", "X-REQUEST-ID", "x-Request-ID"])
def test_scope_headers_lookups_ignore_case(key: str) -> None:
    headers = _scope_request_headers([("X-Request-Id", "first"), ("x-request-id", "second")])
    assert headers.get(key) == "first"
    assert headers[key] == "first"
    assert key in headers
    assert headers.getlist(key) == ["first", "second"]


def test_scope_headers_missing_and_typed() -> None:
    headers = _scope_request_headers([("Content-Length", "12"), ("X-Bad", "nope")])
    assert headers.get("content-length", type=int) == 12
    assert headers.get("x-bad", -1, type=int) == -1
    assert headers.get("X-Missing") is None
    assert "X-Missing" not in headers
    assert 3 not in headers
    with pytest.raises(KeyError):
        headers["X-Missing"]
    # A non-ASCII key takes the general path and still finds nothing wrongly.
    assert headers.get("X-Bäd") is None


@pytest.mark.parametrize(
    "name", ["If-Range", "if-range", "IF-RANGE", "Range", "X-Empty", "X-Missing", "Zä", "X-Bäd"]
)
def test_scope_headers_contains_agrees_with_get(name: str) -> None:
    # __contains__ has its own copy of get()'s loop (a frame fewer).
    headers = _scope_request_headers([("If-Range", '"v1"'), ("X-Empty", ""), ("X-Bäd", "1")])
    assert (name in headers) is (headers.get(name) is not None)


def test_scope_headers_are_read_only_like_wsgis() -> None:
    headers = _scope_request_headers([("X-One", "1")])
    for change in (
        lambda: headers.add("X-Two", "2"),
        lambda: headers.set("X-One", "3"),
        lambda: headers.__setitem__("X-One", "3"),
        lambda: headers.__delitem__("X-One"),
        lambda: headers.pop("X-One"),
        lambda: headers.clear(),
        lambda: headers.extend({"X-Two": "2"}),
    ):
        with pytest.raises(TypeError, match="read-only"):
            change()
    copy = headers.copy()
    assert type(copy) is Headers
    copy.add("X-Two", "2")
    assert copy.get("x-two") == "2"
    assert headers.get("X-Two") is None


def test_scope_headers_forwarded_host_replaces_host() -> None:
    scope = http_scope(headers=[("X-Forwarded-Host", "example.org")])
    request = request_from_scope(scope, Request, proxy={"x_host": 1})
    assert request.headers["Host"] == "example.org"
    assert request.headers.getlist("host") == ["example.org"]
    assert request.host == "example.org"


def test_scope_headers_forwarded_host_is_added_when_the_scope_has_none() -> None:
    # No Host header and no server: the forwarded host is appended.
    scope = http_scope(headers=[("X-Forwarded-Host", "example.org")], server=None)
    assert not any(name == b"host" for name, _ in scope["headers"])
    request = request_from_scope(scope, Request, proxy={"x_host": 1})
    assert request.headers.get("Host") == "example.org"
    assert request.headers.getlist("host") == ["example.org"]


def test_scope_headers_lookups_see_the_first_of_repeated_names_in_any_order() -> None:
    headers = _scope_request_headers(
        [("Accept", "a"), ("X-Tag", "1"), ("Accept", "b"), ("X-Tag", "2"), ("Other", "o")]
    )
    assert [headers.get("X-Tag"), headers.get("accept"), headers.get("other")] == ["1", "a", "o"]
    assert headers.get("X-Tag", type=int) == 1
    assert headers.getlist("accept") == ["a", "b"]


def test_scope_headers_without_repeats_answer_from_their_index() -> None:
    # Every name once: get() and `in` answer from the dict of names, which
    # must agree with the list in value, case and conversion.
    headers = _scope_request_headers(
        [("Content-Type", "text/plain"), ("Content-Length", "12"), ("X-N", "x")]
    )
    assert headers.get("content-length", type=int) == 12
    assert headers.get("X-N", type=int) is None  # conversion fails: the default
    assert headers.get("CONTENT-TYPE") == "text/plain"
    assert headers.get("Upgrade", "none") == "none"
    assert "cOntent-type" in headers and "Cookie" not in headers
    assert headers["x-n"] == "x"
    with pytest.raises(KeyError):
        headers["Cookie"]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([("Host", "a")], False),
        ([("Content-Length", "0")], False),
        ([("Content-Length", " ")], False),
        ([("Content-Length", "5")], True),
        ([("Transfer-Encoding", "chunked")], True),
        # Repeated names: the first value counts, as in the list scan.
        ([("Content-Length", "0"), ("X", "1"), ("Content-Length", "5")], False),
        ([("Content-Length", "5"), ("Content-Length", "0")], True),
        ([("X", "1"), ("X", "2"), ("Content-Length", "3")], True),
    ],
)
def test_a_body_may_follow_by_the_scope_headers(
    pairs: list[tuple[str, str]], expected: bool
) -> None:
    from erlen.adapters.asgi import _scope_body_may_follow

    headers = _scope_request_headers(pairs)
    assert _scope_body_may_follow({"http_version": "1.1"}, headers) is expected
    # HTTP/2 may send a body without either header.
    assert _scope_body_may_follow({"http_version": "2"}, headers) is True
