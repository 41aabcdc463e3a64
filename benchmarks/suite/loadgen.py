"""A bounded Python load generator, used when ``wrk`` is not installed.

HTTP/1.1 over asyncio streams with keep-alive, ``--connections`` concurrent
connections for ``--duration`` seconds; every response's status and body are
compared with the expected ones. Prints one ``LOADJSON {...}`` line, the same
fields as the wrk script. Slower than wrk: its numbers are a lower bound.

    python -m suite.loadgen --port 8000 --spec spec.json --duration 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Tally:
    """Counters shared by the connections of one run."""

    latencies: list[float] = field(default_factory=list)
    bad: int = 0
    connect: int = 0
    read: int = 0
    write: int = 0
    timeout: int = 0
    first_bad: str = ""


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    close = headers.get("connection", "").lower() == "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body, close = await reader.read(), True
    return status, body, close


async def _connection(
    host: str, port: int, raw: bytes, status: int, body: bytes, deadline: float, tally: Tally
) -> None:
    while time.perf_counter() < deadline:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
        except (TimeoutError, OSError):
            tally.connect += 1
            await asyncio.sleep(0.01)
            continue
        try:
            await _exchange(reader, writer, raw, status, body, deadline, tally)
        finally:
            writer.close()


async def _exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    raw: bytes,
    status: int,
    body: bytes,
    deadline: float,
    tally: Tally,
) -> None:
    """Send requests over one connection until the deadline or until it closes."""
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            writer.write(raw)
            await writer.drain()
        except OSError:
            tally.write += 1
            return
        try:
            got_status, got_body, close = await asyncio.wait_for(_read_response(reader), 5)
        except TimeoutError:
            tally.timeout += 1
            return
        except (OSError, ValueError, asyncio.IncompleteReadError):
            tally.read += 1
            return
        tally.latencies.append(time.perf_counter() - t0)
        if got_status != status or got_body != body:
            tally.bad += 1
            if not tally.first_bad:
                tally.first_bad = f"{got_status} {got_body[:120]!r}"
        if close:
            return


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


async def run(
    host: str, port: int, spec: dict[str, Any], duration: float, connections: int
) -> dict[str, Any]:
    """Load ``host:port`` with the request in ``spec`` and return the tallies."""
    body = bytes.fromhex(spec["body_hex"])
    head = [f"{spec['method']} {spec['target']} HTTP/1.1", f"Host: {host}:{port}"]
    head += [f"{k}: {v}" for k, v in spec["headers"]]
    if body or spec["method"] in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
    tally = Tally()
    start = time.perf_counter()
    deadline = start + duration
    expected = bytes.fromhex(spec["expect_body_hex"])
    await asyncio.gather(
        *(
            _connection(host, port, raw, spec["expect_status"], expected, deadline, tally)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - start
    lat = sorted(tally.latencies)
    return {
        "requests": len(lat),
        "duration_us": int(elapsed * 1e6),
        "checked": len(lat),
        "bad": tally.bad,
        "connect": tally.connect,
        "read": tally.read,
        "write": tally.write,
        "timeout": tally.timeout,
        "p50_us": int(_percentile(lat, 50) * 1e6),
        "p99_us": int(_percentile(lat, 99) * 1e6),
        "max_us": int((lat[-1] if lat else 0) * 1e6),
        "first_bad": tally.first_bad,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True, help="JSON file: request and expected response")
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with open(args.spec) as f:
        spec = json.load(f)
    result = asyncio.run(run(args.host, args.port, spec, args.duration, args.connections))
    print("LOADJSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
