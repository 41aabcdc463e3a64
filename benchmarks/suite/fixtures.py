"""The files and payloads every app serves: written once, identical for all."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_SIZE = 1024 * 1024
UPLOAD_SIZE = 100 * 1024
TEMPLATE_NAME = "items.html"
SECRET_KEY = "benchmark-secret-key-not-for-production"

# One template for every framework: a loop of 20 items whose names need escaping,
# so a framework that forgets autoescape fails the check instead of looking fast.
TEMPLATE_SOURCE = (
    "<!doctype html>\n<title>{{ title }}</title>\n<ul>\n"
    "{% for item in items %}"
    '<li class="{{ loop.cycle("odd", "even") }}">{{ item.name }}: {{ item.price }}</li>\n'
    "{% endfor %}</ul>\n"
)
TEMPLATE_TITLE = "Items & <things>"
TEMPLATE_ITEMS: list[dict[str, Any]] = [
    {"name": f"<item {i}> & co", "price": i * 3 + 1} for i in range(20)
]

JSON_ITEM = {"id": 42, "name": "widget", "tags": ["a", "b"]}

ECHO_PAYLOAD: dict[str, Any] = {
    "user": {"id": 7, "name": "Zoë Example", "email": "zoe@example.org", "active": True},
    "items": [
        {"id": i, "name": f"item number {i}", "price": i * 0.25, "tags": ["red", "small"]}
        for i in range(13)
    ],
    "note": None,
}


def _data(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


FILE_DATA = _data(FILE_SIZE, 1)
UPLOAD_DATA = _data(UPLOAD_SIZE, 2)
ECHO_BODY = json.dumps(ECHO_PAYLOAD).encode()


@dataclass(frozen=True, slots=True)
class Fixtures:
    """Where the on-disk fixtures live: the 1 MB file and the template folder."""

    root: Path

    @property
    def file_path(self) -> Path:
        return self.root / "data.bin"

    @property
    def template_dir(self) -> Path:
        return self.root / "templates"

    def prepare(self) -> Fixtures:
        """Write the fixture files (idempotent) and return self."""
        self.template_dir.mkdir(parents=True, exist_ok=True)
        if not self.file_path.exists() or self.file_path.read_bytes() != FILE_DATA:
            self.file_path.write_bytes(FILE_DATA)
        template = self.template_dir / TEMPLATE_NAME
        if not template.exists() or template.read_text() != TEMPLATE_SOURCE:
            template.write_text(TEMPLATE_SOURCE)
        return self

    @classmethod
    def from_env(cls) -> Fixtures:
        """The fixtures named by ``ERLEN_BENCH_FIXTURES`` (set for server processes)."""
        return cls(Path(os.environ["ERLEN_BENCH_FIXTURES"])).prepare()
