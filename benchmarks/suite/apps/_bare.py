"""The floor's request handling, shared by the bare WSGI and ASGI callables.

The least a hand-written app can do for each scenario: a dict of paths, a
prefix test for the path parameters, and the standard library (plus Jinja2 and
python-multipart) for parsing. Sessions are n/a: a bare callable has none.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from urllib.parse import parse_qs

import python_multipart

from ..fixtures import Fixtures
from ..scenarios import HELLO_BODY, routing_body
from . import FILLER_ROUTES
from ._jinja import Templates

UNSUPPORTED = {"session": "a bare callable has no session"}

Result = tuple[int, list[tuple[str, str]], bytes]

TEXT = [("content-type", "text/plain; charset=utf-8")]
HTML = [("content-type", "text/html; charset=utf-8")]
JSON = [("content-type", "application/json")]
NOT_FOUND: Result = (404, TEXT, b"Not Found")
_RANGE = re.compile(r"bytes=(\d+)-(\d+)$")


def _json(obj: object) -> Result:
    return 200, JSON, json.dumps(obj).encode()


class BareApp:
    """Routes and handlers of the floor; the protocol wrappers call :meth:`handle`."""

    __slots__ = ("file_data", "static", "templates")

    def __init__(self, fx: Fixtures) -> None:
        self.templates = Templates(fx)
        # The floor reads the file once per request, as the frameworks do.
        self.file_data = str(fx.file_path)
        self.static: dict[str, Callable[[str, str, str, bytes], Result]] = {
            "/": lambda q, c, r, b: (200, TEXT, HELLO_BODY),
            "/search": self._search,
            "/form": self._form,
            "/echo": lambda q, c, r, b: _json(json.loads(b)),
            "/template": lambda q, c, r, b: (200, HTML, self.templates.page().encode()),
            "/template-string": lambda q, c, r, b: (
                200,
                HTML,
                self.templates.page_from_string().encode(),
            ),
            "/upload": self._upload,
            "/file": self._file,
        }

    def handle(self, path: str, query: str, ctype: str, range_: str, body: bytes) -> Result:
        """Answer one request."""
        view = self.static.get(path)
        if view is not None:
            return view(query, ctype, range_, body)
        if path.startswith("/items/"):
            tail = path[7:]
            if tail.isdigit():
                return _json({"id": int(tail), "name": "widget", "tags": ["a", "b"]})
        elif path.startswith("/filler"):
            parts = path[7:].split("/")
            if len(parts) == 2 and parts[1].isdigit() and int(parts[0]) < FILLER_ROUTES:
                return _json({"filler": int(parts[0]), "x": int(parts[1])})
        return NOT_FOUND

    def _search(self, query: str, ctype: str, range_: str, body: bytes) -> Result:
        args = parse_qs(query)
        page = args.get("page")
        return _json(
            {
                "q": args.get("q", [None])[0],
                "page": int(page[0]) if page else None,
                "tags": args.get("tags", []),
            }
        )

    def _form(self, query: str, ctype: str, range_: str, body: bytes) -> Result:
        data = parse_qs(body.decode())
        return _json({"name": data["name"][0], "age": int(data["age"][0]), "city": data["city"][0]})

    def _upload(self, query: str, ctype: str, range_: str, body: bytes) -> Result:
        result: dict[str, object] = {}

        def on_field(field: python_multipart.multipart.Field) -> None:
            if field.field_name == b"note" and field.value is not None:
                result["note"] = field.value.decode()

        def on_file(upload: python_multipart.multipart.File) -> None:
            name = upload.file_name
            result["filename"] = name.decode() if name else None
            result["size"] = upload.size

        headers = {"Content-Type": ctype.encode(), "Content-Length": str(len(body)).encode()}
        python_multipart.parse_form(headers, io.BytesIO(body), on_field, on_file)
        return _json({k: result.get(k) for k in ("filename", "size", "note")})

    def _file(self, query: str, ctype: str, range_: str, body: bytes) -> Result:
        m = _RANGE.match(range_)
        if m is None:
            return 400, TEXT, b"ranges only"
        first, last = int(m[1]), int(m[2])
        with open(self.file_data, "rb") as f:
            size = f.seek(0, 2)
            last = min(last, size - 1)
            f.seek(first)
            data = f.read(last - first + 1)
        headers = [
            ("content-type", "application/octet-stream"),
            ("content-range", f"bytes {first}-{last}/{size}"),
            ("accept-ranges", "bytes"),
        ]
        return 206, headers, data


class BareRouting:
    """The floor for routing: a dict for static paths, a dict on the first segment else."""

    __slots__ = ("dynamic", "table")

    def __init__(self, size: int, dynamic: bool) -> None:
        self.dynamic = dynamic
        if dynamic:
            self.table = {f"route{i}": i for i in range(size)}
        else:
            self.table = {f"/route{i}/index": i for i in range(size)}

    def handle(self, path: str) -> Result:
        """Answer one request."""
        if not self.dynamic:
            index = self.table.get(path)
            if index is None:
                return NOT_FOUND
            return 200, TEXT, routing_body(index, False).encode()
        parts = path.split("/")
        if len(parts) == 3 and parts[2].isdigit():
            index = self.table.get(parts[1])
            if index is not None:
                return 200, TEXT, routing_body(index, True, int(parts[2])).encode()
        return NOT_FOUND
