"""The WebSocket protocol (RFC 6455) for the development server, sans-io.

The opening handshake is checked with :func:`check_handshake` and answered
with :func:`accept_key`; frames are written with :func:`encode_frame` and
read with a :class:`FrameDecoder`::

    decoder = FrameDecoder(max_message_size=16 * 2**20)
    decoder.feed(data)                  # bytes from the socket
    for event in decoder.events():      # Message, Ping, Pong or Close
        ...

Nothing here touches a socket. A peer that breaks the protocol makes
:meth:`FrameDecoder.events` raise :class:`ProtocolError` with the close code
to send: 1002 (protocol error), 1007 (text that is not UTF-8) or 1009 (a
message over the size limit). No extension (such as permessage-deflate) is
negotiated, so every frame is read as it is sent.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from erlen.http.exceptions import BadRequest, UpgradeRequired

from .http11 import RequestHead

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "Close",
    "FrameDecoder",
    "Handshake",
    "Message",
    "Opcode",
    "Ping",
    "Pong",
    "ProtocolError",
    "accept_key",
    "check_handshake",
    "close_payload",
    "encode_frame",
    "is_valid_close_code",
    "is_websocket_upgrade",
]

#: The largest message (all fragments together) read by default: 16 MiB.
DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024

# RFC 6455 §1.3: the fixed GUID the accept key is derived with.
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_CONTROL_PAYLOAD = 125
_MAX_REASON = 123


class Opcode(IntEnum):
    """The frame types of RFC 6455 §5.2."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


_OPCODES = frozenset(int(op) for op in Opcode)


class ProtocolError(Exception):
    """The peer broke the protocol; ``code`` is the close code to answer with."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{reason} (close code {code})")
        #: The close code: 1002, 1007 or 1009.
        self.code = code
        #: Why, short enough for a close frame.
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Message:
    """A complete data message: ``str`` for text, ``bytes`` for binary."""

    data: str | bytes


@dataclass(frozen=True, slots=True)
class Ping:
    """A ping; the answer is a pong with the same payload."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Pong:
    """A pong (an answer to a ping, or an unsolicited heartbeat)."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Close:
    """A close frame. ``code`` is 1005 when the frame carried no code."""

    code: int
    reason: str = ""


Event = Message | Ping | Pong | Close


# -- the opening handshake ----------------------------------------------------------------


class UnsupportedVersion(UpgradeRequired):
    """426: the client asked for a WebSocket version other than 13."""

    description = "This server speaks WebSocket version 13 only (RFC 6455)."

    def get_headers(self, request: object = None) -> list[tuple[str, str]]:
        # The server closes the connection after this answer; saying so lets
        # the client know not to reuse it.
        headers = [
            (name, "Upgrade, close" if name.lower() == "connection" else value)
            for name, value in super().get_headers(None)
        ]
        # RFC 6455 §4.4: the answer lists the versions the server supports.
        headers.append(("Sec-WebSocket-Version", "13"))
        return headers


@dataclass(frozen=True, slots=True)
class Handshake:
    """A valid opening handshake: the client's key and offered subprotocols."""

    key: str
    subprotocols: tuple[str, ...]


def _tokens(head: RequestHead, name: str) -> list[str]:
    return [
        token.strip().lower()
        for value in head.get_all(name)
        for token in value.split(",")
        if token.strip()
    ]


def is_websocket_upgrade(head: RequestHead) -> bool:
    """True when ``head`` asks to switch to WebSocket: a GET over HTTP/1.1
    with ``Connection: upgrade`` and ``Upgrade: websocket``."""
    return (
        head.method == "GET"
        and head.version >= (1, 1)
        and "upgrade" in head.connection_tokens()
        and "websocket" in _tokens(head, "Upgrade")
    )


def check_handshake(head: RequestHead) -> Handshake:
    """The key and subprotocols of an upgrade request; raises the
    :class:`~erlen.http.exceptions.HTTPException` to answer a bad one with
    (400, or 426 for a version other than 13)."""
    versions = head.get_all("Sec-WebSocket-Version")
    if len(versions) != 1 or versions[0].strip() != "13":
        raise UnsupportedVersion(upgrade="websocket")
    keys = head.get_all("Sec-WebSocket-Key")
    if len(keys) != 1:
        raise BadRequest("A WebSocket handshake needs exactly one Sec-WebSocket-Key header.")
    key = keys[0].strip()
    try:
        raw = base64.b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) != 16:
        raise BadRequest("Sec-WebSocket-Key must be 16 random bytes in base64.")
    if head.get_all("Content-Length") not in ([], ["0"]) or head.get_all("Transfer-Encoding"):
        # SECURITY: body bytes would be read as WebSocket frames.
        raise BadRequest("A WebSocket handshake request cannot have a body.")
    subprotocols = tuple(
        token.strip()
        for value in head.get_all("Sec-WebSocket-Protocol")
        for token in value.split(",")
        if token.strip()
    )
    return Handshake(key, subprotocols)


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value that answers ``Sec-WebSocket-Key: key``."""
    # RFC 6455 §4.2.2 fixes SHA-1: the value proves a WebSocket server answered,
    # it protects nothing.
    digest = hashlib.sha1(key.encode("ascii") + _GUID, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


# -- frames -------------------------------------------------------------------------------


def _xor(payload: bytes | bytearray | memoryview, mask: bytes) -> bytes:
    n = len(payload)
    if n == 0:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    # PERF: one big-integer XOR instead of a Python loop over the bytes.
    value = int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")
    return value.to_bytes(n, "little")


def encode_frame(
    opcode: Opcode | int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    mask: bytes | None = None,
) -> bytes:
    """One frame: ``opcode`` and ``payload``; ``mask`` (4 bytes) masks it, as
    a client must. A server sends its frames unmasked."""
    length = len(payload)
    head = bytearray(((0x80 if fin else 0) | int(opcode),))
    mask_bit = 0x80 if mask is not None else 0
    if length < 126:
        head.append(mask_bit | length)
    elif length < 1 << 16:
        head.append(mask_bit | 126)
        head += struct.pack("!H", length)
    else:
        head.append(mask_bit | 127)
        head += struct.pack("!Q", length)
    if mask is None:
        return bytes(head) + payload
    if len(mask) != 4:
        raise ValueError("A frame mask is 4 bytes.")
    return bytes(head) + mask + _xor(payload, mask)


def is_valid_close_code(code: int) -> bool:
    """True for a close code a peer may send (RFC 6455 §7.4): 1000-1003,
    1007-1014, and 3000-4999 (registered and private codes)."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def close_payload(code: int | None = 1000, reason: str = "") -> bytes:
    """The payload of a close frame: the code and a UTF-8 reason, cut to fit
    the 125 bytes of a control frame. ``code=None`` is an empty payload."""
    if code is None:
        return b""
    data = reason.encode("utf-8")
    if len(data) > _MAX_REASON:
        data = data[:_MAX_REASON].decode("utf-8", "ignore").encode("utf-8")
    return struct.pack("!H", code) + data


class FrameDecoder:
    """Reads frames from bytes fed in and yields whole messages and control frames.

    ``max_message_size`` bounds a message (all its fragments together); a
    larger one raises :class:`ProtocolError` (1009) as soon as a frame
    header announces it, before its payload arrives. ``require_mask`` is
    True on a server (a client's frames are masked, RFC 6455 §5.1).
    """

    __slots__ = (
        "_binary",
        "_buffer",
        "_decoder",
        "_failed",
        "_message_opcode",
        "_pos",
        "_size",
        "_text",
        "max_message_size",
        "require_mask",
    )

    def __init__(
        self, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE, *, require_mask: bool = True
    ) -> None:
        self.max_message_size = max_message_size
        self.require_mask = require_mask
        self._buffer = bytearray()
        self._pos = 0
        self._failed = False
        self._message_opcode: int | None = None
        self._text: list[str] = []
        self._binary: list[bytes] = []
        self._size = 0
        self._decoder: codecs.IncrementalDecoder | None = None

    def feed(self, data: bytes) -> None:
        """Add bytes read from the peer."""
        if self._pos:
            del self._buffer[: self._pos]
            self._pos = 0
        self._buffer += data

    @property
    def buffered(self) -> int:
        """Bytes fed and not yet consumed as frames."""
        return len(self._buffer) - self._pos

    def events(self) -> Iterator[Event]:
        """The events complete in the bytes fed so far, in order."""
        while not self._failed:
            try:
                event = self._next()
            except ProtocolError:
                self._failed = True
                raise
            if event is None:
                return
            if not isinstance(event, _Pending):
                yield event

    def _next(self) -> Event | _Pending | None:
        buffer, pos = self._buffer, self._pos
        available = len(buffer) - pos
        if available < 2:
            return None
        first, second = buffer[pos], buffer[pos + 1]
        fin = bool(first & 0x80)
        opcode = first & 0x0F
        if first & 0x70:
            raise ProtocolError(1002, "Reserved bits are set, but no extension was negotiated.")
        if opcode not in _OPCODES:
            raise ProtocolError(1002, f"Unknown opcode {opcode:#x}.")
        masked = bool(second & 0x80)
        if masked != self.require_mask:
            raise ProtocolError(
                1002,
                "Frames from a client must be masked."
                if self.require_mask
                else "Frames from a server must not be masked.",
            )
        length = second & 0x7F
        header = 2
        if length == 126:
            if available < 4:
                return None
            length = struct.unpack_from("!H", buffer, pos + 2)[0]
            header = 4
        elif length == 127:
            if available < 10:
                return None
            length = struct.unpack_from("!Q", buffer, pos + 2)[0]
            if length >> 63:
                raise ProtocolError(1002, "The frame length has its most significant bit set.")
            header = 10
        if opcode >= Opcode.CLOSE:
            if not fin:
                raise ProtocolError(1002, "A control frame cannot be fragmented.")
            if length > _MAX_CONTROL_PAYLOAD:
                raise ProtocolError(1002, "A control frame payload is at most 125 bytes.")
        else:
            self._check_data_frame(opcode, length)
        if masked:
            header += 4
        if available < header + length:
            return None
        start = pos + header
        payload: bytes
        if masked:
            mask = bytes(buffer[start - 4 : start])
            payload = _xor(memoryview(buffer)[start : start + length], mask)
        else:
            payload = bytes(buffer[start : start + length])
        self._pos = start + length
        if opcode >= Opcode.CLOSE:
            return self._control(opcode, payload)
        return self._data(opcode, payload, fin)

    def _check_data_frame(self, opcode: int, length: int) -> None:
        if opcode == Opcode.CONTINUATION:
            if self._message_opcode is None:
                raise ProtocolError(
                    1002, "A continuation frame arrived with no message to continue."
                )
            size = self._size + length
        else:
            if self._message_opcode is not None:
                raise ProtocolError(
                    1002, "A new message started before the fragmented one was finished."
                )
            size = length
        if size > self.max_message_size:
            raise ProtocolError(
                1009, f"The message is larger than the limit of {self.max_message_size} bytes."
            )

    def _data(self, opcode: int, payload: bytes, fin: bool) -> Event | _Pending:
        if opcode != Opcode.CONTINUATION:
            self._message_opcode = opcode
            self._size = 0
            if opcode == Opcode.TEXT:
                self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._size += len(payload)
        if self._message_opcode == Opcode.TEXT:
            assert self._decoder is not None
            try:
                # Checked fragment by fragment, so bad text fails before the
                # rest of its message is read.
                text = self._decoder.decode(payload, final=fin)
            except UnicodeDecodeError:
                raise ProtocolError(1007, "A text message is not valid UTF-8.") from None
            self._text.append(text)
        else:
            self._binary.append(payload)
        if not fin:
            return _CONTINUE
        is_text = self._message_opcode == Opcode.TEXT
        self._message_opcode = None
        self._decoder = None
        if is_text:
            message = Message("".join(self._text))
            self._text = []
        else:
            message = Message(b"".join(self._binary))
            self._binary = []
        return message

    def _control(self, opcode: int, payload: bytes) -> Event:
        if opcode == Opcode.PING:
            return Ping(payload)
        if opcode == Opcode.PONG:
            return Pong(payload)
        if not payload:
            return Close(1005)
        if len(payload) == 1:
            raise ProtocolError(1002, "A close frame payload cannot be a single byte.")
        code = struct.unpack_from("!H", payload)[0]
        if not is_valid_close_code(code):
            raise ProtocolError(1002, f"Invalid close code {code}.")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(1007, "The close reason is not valid UTF-8.") from None
        return Close(code, reason)


class _Pending:
    """A fragment was consumed; its message is not complete yet."""

    __slots__ = ()


_CONTINUE = _Pending()
