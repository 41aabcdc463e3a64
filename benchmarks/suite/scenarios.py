"""The scenarios: the request each one sends and how its response is checked.

Every app implements the same behaviour, so one check serves all of them. A
check returns None when the response is right, or a reason it is not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

from .fixtures import (
    ECHO_BODY,
    ECHO_PAYLOAD,
    FILE_DATA,
    FILE_SIZE,
    JSON_ITEM,
    TEMPLATE_ITEMS,
    TEMPLATE_SOURCE,
    TEMPLATE_TITLE,
    UPLOAD_DATA,
)
from .http import HttpRequest, HttpResponse

Check = Callable[[HttpResponse], "str | None"]
Caller = Callable[[HttpRequest], HttpResponse]

HELLO_BODY = b"Hello, World!"
BOUNDARY = "----erlenbench7MA4YWxkTrZu0gW"
RANGE_START, RANGE_END = 1000, 1999
ROUTING_SIZES = (10, 100, 1_000, 10_000)
ROUTING_X = 7

EXPECTED_HTML = (
    Environment(autoescape=True)
    .from_string(TEMPLATE_SOURCE)
    .render(title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS)
    .encode()
)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named request, the status it must get, and the check of its response."""

    name: str
    title: str
    request: HttpRequest
    status: int
    check: Check
    # Turns the base request into the measured one by talking to the app first
    # (the session scenario fetches a cookie); None when nothing is needed.
    prepare: Callable[[Caller, HttpRequest], HttpRequest] | None = None
    # Extra validation after the measured response (the session's next cookie).
    follow_up: Callable[[Caller, HttpResponse], str | None] | None = None


def _status(resp: HttpResponse, expected: int) -> str | None:
    if resp.status != expected:
        return f"expected status {expected}, got {resp.describe()}"
    return None


def _body_is(expected: bytes, status: int = 200) -> Check:
    def check(resp: HttpResponse) -> str | None:
        if (error := _status(resp, status)) is not None:
            return error
        if resp.body != expected:
            return f"expected body {expected[:80]!r}, got {resp.describe()}"
        return None

    return check


def _json_is(expected: Any) -> Check:
    def check(resp: HttpResponse) -> str | None:
        if (error := _status(resp, 200)) is not None:
            return error
        ctype = resp.header("content-type") or ""
        if not ctype.startswith("application/json"):
            return f"expected an application/json response, got content-type {ctype!r}"
        try:
            data = json.loads(resp.body)
        except ValueError as e:
            return f"body is not JSON ({e}): {resp.describe()}"
        if data != expected:
            return f"expected JSON {json.dumps(expected)[:120]}, got {resp.describe()}"
        return None

    return check


def _check_html(resp: HttpResponse) -> str | None:
    if (error := _status(resp, 200)) is not None:
        return error
    if b"&lt;item 0&gt; &amp; co" not in resp.body:
        return f"item names are not HTML-escaped: {resp.describe()}"
    if resp.body != EXPECTED_HTML:
        return f"HTML differs from the reference rendering: {resp.describe()}"
    return None


def _check_not_found(resp: HttpResponse) -> str | None:
    if (error := _status(resp, 404)) is not None:
        return error
    if b"not found" not in resp.body.lower():
        return f"404 body does not say 'not found': {resp.describe()}"
    return None


def _check_range(resp: HttpResponse) -> str | None:
    if (error := _status(resp, 206)) is not None:
        return error
    expected_range = f"bytes {RANGE_START}-{RANGE_END}/{FILE_SIZE}"
    if resp.header("content-range") != expected_range:
        return f"expected Content-Range {expected_range!r}, got {resp.header('content-range')!r}"
    if resp.body != FILE_DATA[RANGE_START : RANGE_END + 1]:
        return f"range body is wrong ({len(resp.body)} bytes)"
    return None


def _cookie_from(resp: HttpResponse) -> str | None:
    for value in resp.header_list("set-cookie"):
        pair = value.split(";", 1)[0].strip()
        if "=" in pair and pair.split("=", 1)[1]:
            return pair
    return None


def _check_session(resp: HttpResponse) -> str | None:
    if (error := _body_is(b"2")(resp)) is not None:
        return error
    if _cookie_from(resp) is None:
        return "the modified session was not sent back (no Set-Cookie)"
    return None


def _session_prepare(call: Caller, request: HttpRequest) -> HttpRequest:
    first = call(request)
    if first.status != 200 or first.body != b"1":
        raise AssertionError(f"fresh session should count 1, got {first.describe()}")
    cookie = _cookie_from(first)
    if cookie is None:
        raise AssertionError("a new session sent no Set-Cookie")
    return request.with_header("Cookie", cookie)


def _session_follow_up(call: Caller, resp: HttpResponse) -> str | None:
    cookie = _cookie_from(resp)
    if cookie is None:
        return "no Set-Cookie"
    third = call(HttpRequest("GET", "/session", headers=(("Cookie", cookie),)))
    if third.status != 200 or third.body != b"3":
        return f"the rewritten cookie should count 3, got {third.describe()}"
    return None


def _multipart_body() -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'.encode(),
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="data.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode(),
        UPLOAD_DATA,
        f"\r\n--{BOUNDARY}--\r\n".encode(),
    ]
    return b"".join(parts)


FORM_BODY = b"name=Alice+Smith&age=30&city=Z%C3%BCrich"
MULTIPART_BODY = _multipart_body()


def _post(path: str, ctype: str, body: bytes) -> HttpRequest:
    return HttpRequest("POST", path, headers=(("Content-Type", ctype),), body=body)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("hello", "hello text", HttpRequest("GET", "/"), 200, _body_is(HELLO_BODY)),
    Scenario(
        "json_param",
        "JSON, int path parameter, 50 other routes",
        HttpRequest("GET", "/items/42"),
        200,
        _json_is(JSON_ITEM),
    ),
    Scenario(
        "query",
        "query-string parsing",
        HttpRequest("GET", "/search", query="q=hello+world&page=3&tags=a&tags=b"),
        200,
        _json_is({"q": "hello world", "page": 3, "tags": ["a", "b"]}),
    ),
    Scenario(
        "form",
        "urlencoded form POST",
        _post("/form", "application/x-www-form-urlencoded", FORM_BODY),
        200,
        _json_is({"name": "Alice Smith", "age": 30, "city": "Zürich"}),
    ),
    Scenario(
        "json_echo",
        f"JSON POST echo ({len(ECHO_BODY)} B)",
        _post("/echo", "application/json", ECHO_BODY),
        200,
        _json_is(ECHO_PAYLOAD),
    ),
    Scenario(
        "session",
        "cookie session read-modify-write",
        HttpRequest("GET", "/session"),
        200,
        _check_session,
        prepare=_session_prepare,
        follow_up=_session_follow_up,
    ),
    Scenario(
        "template",
        "Jinja2 template file, 20 items, autoescape",
        HttpRequest("GET", "/template"),
        200,
        _check_html,
    ),
    Scenario(
        "template_string",
        "render_template_string (compiled per request)",
        HttpRequest("GET", "/template-string"),
        200,
        _check_html,
    ),
    Scenario("not_found", "404", HttpRequest("GET", "/no/such/page"), 404, _check_not_found),
    Scenario(
        "upload",
        "multipart upload, 100 KB file",
        _post("/upload", f"multipart/form-data; boundary={BOUNDARY}", MULTIPART_BODY),
        200,
        _json_is({"filename": "data.bin", "size": len(UPLOAD_DATA), "note": "hello"}),
    ),
    Scenario(
        "send_file",
        "send_file 1 MB with a Range request",
        HttpRequest("GET", "/file", headers=(("Range", f"bytes={RANGE_START}-{RANGE_END}"),)),
        206,
        _check_range,
    ),
)

BY_NAME = {s.name: s for s in SCENARIOS}


def routing_path(index: int, dynamic: bool) -> str:
    """The URL of rule ``index`` in a routing app (``x`` filled in for dynamic rules)."""
    return f"/route{index}/{ROUTING_X}" if dynamic else f"/route{index}/index"


def routing_body(index: int, dynamic: bool, x: int = ROUTING_X) -> str:
    """What rule ``index`` answers."""
    return f"d{index}:{x}" if dynamic else f"s{index}"


def routing_scenario(size: int, dynamic: bool) -> Scenario:
    """Request the last of ``size`` rules: the worst case for a rule-by-rule scan."""
    kind = "dynamic" if dynamic else "static"
    last = size - 1
    return Scenario(
        f"routing_{kind}_{size}",
        f"routing, {size:,} {kind} rules (last one)",
        HttpRequest("GET", routing_path(last, dynamic)),
        200,
        _body_is(routing_body(last, dynamic).encode()),
    )


ROUTING_SCENARIOS: tuple[tuple[int, bool, Scenario], ...] = tuple(
    (size, dynamic, routing_scenario(size, dynamic))
    for dynamic in (False, True)
    for size in ROUTING_SIZES
)
