"""The chat example (examples/chat) served by a real uvicorn, as its README says:
``uvicorn examples.chat.app:app`` from the repository root.

Two WebSocket clients see each other's messages; the page renders (escaped);
and, where Chromium is installed, a headless browser loads the page, connects
over WebSocket and chats with a Python client.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from browser_harness import DevTools, chromium

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 20.0

pytestmark = pytest.mark.server


def _load_harness() -> ModuleType:
    # The server start/stop helpers live in tests/serving/conftest.py; conftest
    # modules cannot be imported by name, so load that file as a plain module.
    path = Path(__file__).parent / "serving" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_erlen_serving_harness", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    harness.require("websockets")
    with harness.run_server("uvicorn", "examples.chat.app:app", cwd=ROOT) as running:
        yield running


class ChatClient:
    """A Python WebSocket client of the chat room."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def send(self, message: Any) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def recv(self) -> Any:
        return json.loads(self.ws.recv(timeout=10))

    def recv_until(self, predicate: Callable[[Any], bool]) -> Any:
        """The first message that matches; presence updates may come before it."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            message = self.recv()
            if predicate(message):
                return message
        raise AssertionError("no matching message arrived")

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def chat(server: Any) -> Iterator[Callable[[], ChatClient]]:
    """Open chat clients; all closed after the test."""
    from websockets.sync.client import connect

    with contextlib.ExitStack() as stack:

        def open_client() -> ChatClient:
            ws = connect(f"{server.ws_url}/ws", open_timeout=10, close_timeout=5)
            return ChatClient(stack.enter_context(ws))

        yield open_client


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def test_page_renders_escaped(server: Any) -> None:
    status, content_type, html = get(f"{server.base_url}/?name=%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 200
    assert content_type == "text/html; charset=utf-8"
    assert "<title>erlen chat</title>" in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "<script>alert" not in html
    assert '<script src="/static/chat.js"></script>' in html


def test_page_script_is_served(server: Any) -> None:
    status, content_type, script = get(f"{server.base_url}/static/chat.js")
    assert status == 200
    assert content_type.startswith("text/javascript")
    assert "new WebSocket(" in script


def test_broadcast_reaches_every_client(chat: Callable[[], ChatClient]) -> None:
    ada = chat()
    assert ada.recv() == {"type": "presence", "online": 1}
    bob = chat()
    assert bob.recv() == {"type": "presence", "online": 2}
    assert ada.recv() == {"type": "presence", "online": 2}

    ada.send({"name": "ada", "text": "hello <b>bob</b>"})
    expected = {"type": "message", "name": "ada", "text": "hello <b>bob</b>"}
    assert ada.recv() == expected
    assert bob.recv() == expected

    bob.send({"name": "  bob  ", "text": "hi ada ✓"})
    expected = {"type": "message", "name": "bob", "text": "hi ada ✓"}
    assert bob.recv() == expected
    assert ada.recv() == expected

    bob.close()
    assert ada.recv() == {"type": "presence", "online": 1}


def test_invalid_messages_get_an_error_for_the_sender_only(
    chat: Callable[[], ChatClient],
) -> None:
    ada = chat()
    ada.recv_until(lambda m: m == {"type": "presence", "online": 1})
    bob = chat()
    ada.recv_until(lambda m: m == {"type": "presence", "online": 2})
    bob.recv_until(lambda m: m == {"type": "presence", "online": 2})

    for bad, reason in [
        ("not json", "send JSON"),
        ("[1, 2]", "send a JSON object"),
        ({"name": "ada"}, "no text"),
        ({"name": "ada", "text": "   "}, "no text"),
        ({"name": "ada", "text": "x" * 1001}, "at most 1000 characters"),
    ]:
        ada.send(bad)
        reply = ada.recv()
        assert reply["type"] == "error"
        assert reason in reply["error"]

    # Bob saw none of it: the next thing he receives is the next real message.
    ada.send({"text": "x" * 1000})
    expected = {"type": "message", "name": "anonymous", "text": "x" * 1000}
    assert bob.recv() == expected
    assert ada.recv() == expected


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """Headless Chromium with one page open (see tests/browser_harness.py)."""
    with chromium(tmp_path) as tools:
        yield tools


def test_browser_chats_over_websocket(
    server: Any, browser: DevTools, chat: Callable[[], ChatClient]
) -> None:
    browser.call("Page.navigate", url=f"{server.base_url}/?name=chromium")
    browser.wait_for("document.getElementById('status')?.textContent", "connected")
    browser.wait_for("document.getElementById('name')?.value", "chromium")

    python = chat()
    python.recv_until(lambda m: m == {"type": "presence", "online": 2})
    browser.wait_for("document.getElementById('online')?.textContent", "2")

    # Python to browser: the text is shown as text, the markup is not run.
    python.send({"name": "py", "text": "<img src=x onerror=alert(1)> hi"})
    browser.wait_for(
        "document.getElementById('messages')?.innerText.trim()",
        "py: <img src=x onerror=alert(1)> hi",
    )
    assert browser.evaluate("document.querySelectorAll('#messages img').length") == 0

    # Browser to Python: the page's own form sends over its WebSocket.
    browser.evaluate(
        "document.getElementById('text').value = 'hello from chromium';"
        " document.getElementById('send').requestSubmit();"
    )
    message = python.recv_until(lambda m: m["type"] == "message" and m["name"] == "chromium")
    assert message == {"type": "message", "name": "chromium", "text": "hello from chromium"}
    browser.wait_for("document.getElementById('text')?.value", "")
