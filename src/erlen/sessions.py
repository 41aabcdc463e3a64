"""Sessions: the ``session`` object and the interface that loads and saves it.

By default the session lives in a cookie that is encrypted and authenticated
(AES-256-GCM with a key derived from ``SECRET_KEY``): the browser holds it but
can neither read nor change it. A cookie written by Flask (signed with
itsdangerous) under the same secret key still loads, and is rewritten encrypted
on the way out, so moving an app from Flask does not log its users out. Set
``SESSION_COOKIE_FORMAT = "signed"`` to write Flask's signed format instead, for
a cookie shared with a Flask service.

Replace ``app.session_interface`` with a :class:`SessionInterface` subclass to
keep sessions elsewhere (``erlen.ext.session`` stores them server side).
"""

from __future__ import annotations

import binascii
import hashlib
import os
import re
import struct
import time
import typing as t
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from erlen.http.datastructures import Headers
from erlen.json.tag import TaggedJSONSerializer

# PERF: cryptography and itsdangerous (~15 ms of `import erlen`) load when a
# session cookie is first read or written.
if t.TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from erlen.app import Erlen
    from erlen.http.request import Request
    from erlen.http.response import Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "session_json_serializer",
]

_NO_SECRET_KEY = (
    "The session is unavailable because no secret key was set. Set the"
    " secret_key on the application to something unique and secret."
)


class SessionMixin(MutableMapping[str, t.Any]):
    """The attributes every session object has, whatever stores it."""

    __slots__ = ()

    #: True when the session was created on this request rather than loaded
    #: from the client. Not every backend can tell; the cookie session can.
    new: bool = False

    #: True when the session changed and must be saved. Changing a mutable
    #: value inside the session (``session["cart"].append(x)``) is not seen:
    #: set this to True yourself after doing so.
    modified: bool = True

    #: True when the session was read or written on this request. It adds
    #: ``Vary: Cookie`` to the response so caches keep users apart.
    accessed: bool = True

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session.

        A permanent session's cookie expires ``PERMANENT_SESSION_LIFETIME`` after
        it was last written. Stored in the session under ``"_permanent"``.
        """
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)


class SecureCookieSession(dict[str, t.Any], SessionMixin):
    """The default session: a dict that records whether it was read or changed.

    ``modified`` becomes True on any write through the dict API, ``accessed``
    on any read or write.
    """

    # "__dict__": as Flask's, code may set its own attributes on the session
    # object (they are not stored in the cookie); the dict is only created
    # when it does.
    __slots__ = ("__dict__", "accessed", "modified", "new")

    def __init__(self, initial: Mapping[str, t.Any] | Iterable[tuple[str, t.Any]] | None = None):
        if initial is None:
            super().__init__()
        else:
            super().__init__(initial)
        self.modified = False
        self.accessed = False
        self.new = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"

    # Reads.

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def keys(self) -> t.Any:
        self.accessed = True
        return super().keys()

    def values(self) -> t.Any:
        self.accessed = True
        return super().values()

    def items(self) -> t.Any:
        self.accessed = True
        return super().items()

    # Writes.

    def _changed(self) -> None:
        self.modified = True
        self.accessed = True

    def __setitem__(self, key: str, value: t.Any) -> None:
        self._changed()
        super().__setitem__(key, value)

    # COMPAT(flask): a write that changes nothing (popping or deleting a missing
    # key, setdefault on a present one) leaves ``modified`` alone, so the cookie
    # is not rewritten.

    def __delitem__(self, key: str) -> None:
        self.accessed = True
        super().__delitem__(key)
        self.modified = True

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        if not super().__contains__(key):
            self.modified = True
        return super().setdefault(key, default)

    def pop(self, key: str, *default: t.Any) -> t.Any:
        self.accessed = True
        if super().__contains__(key):
            self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, t.Any]:
        self.accessed = True
        rv = super().popitem()
        self.modified = True
        return rv

    def clear(self) -> None:
        self._changed()
        super().clear()

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._changed()
        super().update(*args, **kwargs)

    def __ior__(self, other: t.Any) -> t.Self:  # type: ignore[override,misc]
        self._changed()
        return super().__ior__(other)


class NullSession(SecureCookieSession):
    """The session given when no secret key is set.

    It reads as empty; any write raises :exc:`RuntimeError` explaining that a
    secret key is needed.
    """

    __slots__ = ()

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(_NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail
    __ior__ = _fail


_DEFAULT_LIFETIME = timedelta(days=31)


def _lifetime(app: Erlen) -> timedelta:
    value = app.config.get("PERMANENT_SESSION_LIFETIME", _DEFAULT_LIFETIME)
    if type(value) is timedelta or isinstance(value, timedelta):
        return value
    return timedelta(seconds=int(value))


def _secret_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def _add_vary_cookie(response: Response) -> None:
    headers = response.headers
    if type(headers) is Headers:
        # PERF: the plain header list scanned directly; a Vary of our own is
        # appended as is (a constant needs no validation): 0.85 -> 0.2 µs.
        lst = headers._list
        for name, value in lst:
            if name.lower() == "vary":
                if value == "Cookie":
                    # PERF: the Vary this function added (a session read and
                    # then written adds it twice, as Flask does).
                    return
                break
        else:
            lst.append(("Vary", "Cookie"))
            return
    values = headers.getlist("Vary")
    # PERF: the usual cases (no Vary yet; the "Cookie" this function set)
    # skip the parsing below.
    if not values:
        headers["Vary"] = "Cookie"
        return
    if values == ["Cookie"]:
        return
    current = [v.strip() for value in values for v in value.split(",")]
    current = [v for v in current if v]
    if any(v == "*" or v.lower() == "cookie" for v in current):
        return
    current.append("Cookie")
    headers["Vary"] = ", ".join(current)


class SessionInterface:
    """How the app loads a session from a request and saves it into a response.

    Subclass it and set ``app.session_interface`` to store sessions another way.
    :meth:`open_session` runs the first time ``session`` is used in a request
    and :meth:`save_session` runs on the response, unless the session is the
    null session. Both must be safe to call from several threads at once.
    """

    #: The class :meth:`make_null_session` builds when sessions are unavailable.
    null_session_class: type[NullSession] = NullSession

    #: Set to True by interfaces that pickle session data (nothing in erlen does).
    pickle_based: bool = False

    #: Whether :meth:`save_session` may block on I/O (a database, a cache
    #: server). Under ASGI a blocking save of a sync interface runs in the
    #: worker thread pool; a non-blocking one (the cookie interface: CPU work
    #: only) is called on the event loop, saving a thread hop per request.
    blocking_io: bool = True

    #: Whether, under ASGI, :meth:`open_session` runs in the worker thread
    #: pool before the ``before_request`` hooks when the request carries the
    #: session cookie, instead of lazily on first use (which would block the
    #: event loop inside an ``async def`` view). Server-side stores set it;
    #: under WSGI the session always opens lazily.
    preload_session: bool = False

    #: The wall clock in seconds since the epoch. Tests replace it to move time.
    clock: Callable[[], float] = time.time

    def make_null_session(self, app: Erlen) -> NullSession:
        """Return the read-only empty session used when :meth:`open_session` fails."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session, which is never saved."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Erlen) -> str:
        """The cookie's name: ``SESSION_COOKIE_NAME`` (``"session"``)."""
        return str(app.config.get("SESSION_COOKIE_NAME") or "session")

    def get_cookie_domain(self, app: Erlen) -> str | None:
        """The cookie's ``Domain``: ``SESSION_COOKIE_DOMAIN``, or none (this host only)."""
        domain = app.config.get("SESSION_COOKIE_DOMAIN")
        return str(domain) if domain else None

    def get_cookie_path(self, app: Erlen) -> str:
        """The cookie's ``Path``: ``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return str(
            app.config.get("SESSION_COOKIE_PATH") or app.config.get("APPLICATION_ROOT") or "/"
        )

    def get_cookie_httponly(self, app: Erlen) -> bool:
        """Whether scripts are kept from the cookie: ``SESSION_COOKIE_HTTPONLY`` (on)."""
        return bool(app.config.get("SESSION_COOKIE_HTTPONLY", True))

    def get_cookie_secure(self, app: Erlen) -> bool:
        """Whether the cookie is sent over HTTPS only: ``SESSION_COOKIE_SECURE`` (off)."""
        return bool(app.config.get("SESSION_COOKIE_SECURE", False))

    def get_cookie_samesite(self, app: Erlen) -> str | None:
        """The cookie's ``SameSite``: ``SESSION_COOKIE_SAMESITE`` (``"Lax"``)."""
        value = app.config.get("SESSION_COOKIE_SAMESITE", "Lax")
        return str(value) if value else None

    def get_cookie_partitioned(self, app: Erlen) -> bool:
        """Whether the cookie is ``Partitioned`` (CHIPS): ``SESSION_COOKIE_PARTITIONED``."""
        return bool(app.config.get("SESSION_COOKIE_PARTITIONED", False))

    def get_expiration_time(self, app: Erlen, session: SessionMixin) -> datetime | None:
        """When the cookie expires: ``PERMANENT_SESSION_LIFETIME`` from now for a
        permanent session, none (end of the browser session) otherwise."""
        if session.permanent:
            return datetime.fromtimestamp(self.clock(), UTC) + _lifetime(app)
        return None

    def should_set_cookie(self, app: Erlen, session: SessionMixin) -> bool:
        """Whether to send the cookie: the session changed, or it is permanent and
        ``SESSION_REFRESH_EACH_REQUEST`` (on) asks to push its expiry forward."""
        return session.modified or (
            session.permanent and bool(app.config.get("SESSION_REFRESH_EACH_REQUEST", True))
        )

    def should_open_to_refresh(self, app: Erlen, request: Request) -> bool:
        """Whether a request that carries the session cookie to a view that
        never used ``session`` must still open it, so that :meth:`save_session`
        can refresh it (``SESSION_REFRESH_EACH_REQUEST``).

        True here: Flask opens every session. :class:`SecureCookieSessionInterface`
        answers False for its own cookie when the cookie says it holds no
        permanent session and nothing else could make the save send one.
        """
        return True

    def open_session(self, app: Erlen, request: Request) -> SessionMixin | None:
        """Load the session for ``request``.

        Return None when sessions are unavailable; the app then uses
        :meth:`make_null_session`.
        """
        raise NotImplementedError

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        """Write ``session`` into ``response`` (usually as a cookie)."""
        raise NotImplementedError


#: The serializer of the cookie payload, Flask's tagged JSON.
session_json_serializer = TaggedJSONSerializer()

# Version 1: the version byte, then the nonce and the sealed payload. Version
# 2 (written since) adds a flags byte after it, in the clear but
# authenticated with the version (both are the AES-GCM associated data).
_V1 = 1
_V2 = 2
# Flag bit: the session is permanent. The browser knows that anyway (the
# cookie has an expiry); reading it without decrypting lets a request that
# never uses the session skip opening it to refresh it.
_PERMANENT = 0x01
_NONCE_SIZE = 12
_TAG_SIZE = 16
_TIMESTAMP = struct.Struct(">Q")
_HKDF_SALT = b"erlen.sessions.SecureCookieSessionInterface"
_MIN_SEALED = _NONCE_SIZE + _TIMESTAMP.size + _TAG_SIZE
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
# PERF: base64url through binascii and one translate, without the two
# Python-level calls of base64.urlsafe_b64encode/-decode (0.26 -> 0.21 µs to
# encode a cookie, 0.49 -> 0.33 µs to decode one).
_TO_B64URL = bytes.maketrans(b"+/", b"-_")
_FROM_B64URL = bytes.maketrans(b"-_", b"+/")
# The two version 2 headers.
_V2_PLAIN = bytes([_V2, 0])
_V2_PERMANENT = bytes([_V2, _PERMANENT])
# A cookie may be stamped a little in the future by a peer server whose clock
# runs ahead of ours; beyond this it is refused.
_MAX_CLOCK_SKEW = 60


@lru_cache(maxsize=32)
def _cipher(secret: bytes, salt: str) -> AESGCM:
    # PERF: HKDF and the AES key schedule run once per key, not per request.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=_HKDF_SALT,
        info=b"erlen session cookie AES-256-GCM v1|" + salt.encode("utf-8"),
    ).derive(secret)
    return AESGCM(key)


def _cipher_for(secret_key: str | bytes, salt: str) -> AESGCM:
    try:
        return _cipher_by_key(secret_key, salt)
    except TypeError:  # an unhashable key, such as a bytearray
        return _cipher(_secret_bytes(secret_key), salt)


@lru_cache(maxsize=32)
def _cipher_by_key(secret_key: str | bytes, salt: str) -> AESGCM:
    # PERF: keyed by the configured key itself, so a request neither encodes
    # nor rehashes it (0.4 µs per encrypt or decrypt).
    return _cipher(_secret_bytes(secret_key), salt)


def _invalid_tag() -> type[Exception]:
    """cryptography's error for a ciphertext that fails authentication."""
    from cryptography.exceptions import InvalidTag

    return InvalidTag


@lru_cache(maxsize=1)
def _clock_signer() -> type[TimestampSigner]:
    """itsdangerous' timestamp signer reading time from the session interface."""
    from itsdangerous import TimestampSigner

    class _ClockSigner(TimestampSigner):
        def __init__(self, *args: t.Any, clock: Callable[[], float] = time.time, **kwargs: t.Any):
            super().__init__(*args, **kwargs)
            self._clock = clock

        def get_timestamp(self) -> int:
            return int(self._clock())

    return _ClockSigner


def _secret_key(app: Erlen) -> str | bytes | None:
    """``app.secret_key``, which a subclass may set as a class attribute
    (Flask's session reads the attribute). PERF: the config first, without
    the descriptor call, on every request that opens a session."""
    return app.config.get("SECRET_KEY") or getattr(app, "secret_key", None)


class SecureCookieSessionInterface(SessionInterface):
    """Keep the whole session in an encrypted, authenticated cookie.

    The cookie value is base64url of: a version byte, a flags byte (whether the
    session is permanent), a random 96-bit nonce, and the AES-256-GCM
    encryption of the issue time plus the tagged-JSON session, authenticated
    with the two leading bytes.
    The AES key is derived from ``SECRET_KEY`` with HKDF-SHA256. On reading, the
    current key is tried first, then each of ``SECRET_KEY_FALLBACKS``; a cookie
    opened with a fallback key, or in the other format, is rewritten with the
    current key and format. A cookie older than ``PERMANENT_SESSION_LIFETIME``,
    altered in any way, or not decodable gives a new, empty session.
    """

    # PERF: saving only encrypts and sets a header; no I/O, so no thread hop.
    blocking_io = False

    #: Separates session cookies from anything else made with the same secret
    #: key (it feeds both the encryption key and Flask's signing key).
    salt: str = "cookie-session"
    #: Hash of Flask's signed format.
    digest_method: t.Any = staticmethod(hashlib.sha1)
    #: Key derivation of Flask's signed format.
    key_derivation: str = "hmac"
    #: Turns the session into text and back.
    serializer: TaggedJSONSerializer = session_json_serializer
    #: The class of the sessions :meth:`open_session` returns.
    session_class: type[SecureCookieSession] = SecureCookieSession
    #: Longer cookie values are ignored without being decoded.
    max_cookie_size: int = 8192

    def _keys(self, app: Erlen) -> list[str | bytes]:
        """The secret keys, current first, then the fallbacks in order."""
        current = _secret_key(app)
        if not current:
            return []
        return [current, *(app.config.get("SECRET_KEY_FALLBACKS") or ())]

    def _format(self, app: Erlen) -> str:
        fmt = app.config.get("SESSION_COOKIE_FORMAT") or "encrypted"
        if fmt not in ("encrypted", "signed"):
            raise ValueError(f"SESSION_COOKIE_FORMAT must be 'encrypted' or 'signed', not {fmt!r}.")
        return str(fmt)

    def should_open_to_refresh(self, app: Erlen, request: Request) -> bool:
        """False when the request's cookie says, without being decrypted,
        that its session is not permanent, so that opening it would send
        nothing (a request that never uses ``session`` then costs no
        decryption); True whenever opening might change the response: a
        permanent session, a cookie in the old or the signed format, fallback
        keys configured (a cookie under one is rewritten), or an interface
        whose opening or saving is replaced (a subclass or the instance)."""
        plain = _REFRESHES_ONLY_PERMANENT.get(type(self))
        if plain is None:
            plain = _refreshes_only_permanent(type(self))
        if not plain or not _REFRESH_STEPS.isdisjoint(self.__dict__):
            return True
        config = app.config
        if config.get("SECRET_KEY_FALLBACKS") or self._format(app) != "encrypted":
            return True
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or len(value) < 4 or not _B64URL.fullmatch(value, 0, 4):
            return True
        head = _b64url_decode(value[:4])
        # A cookie whose header is forged only loses its own refresh, and
        # opening it would have found it invalid: nothing to send either way.
        return not (head[0] == _V2 and head[1] == 0)

    def get_signing_serializer(
        self, app: Erlen, keys: list[str | bytes] | None = None
    ) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer of Flask's signed cookie format.

        It signs with the current key and verifies with it or any fallback.
        None when no secret key is set.
        """
        if keys is None:
            keys = self._keys(app)
        if not keys:
            return None
        from itsdangerous import URLSafeTimedSerializer

        # itsdangerous signs with the last key of the list.
        return URLSafeTimedSerializer(
            t.cast("list[bytes]", list(reversed(keys))),
            salt=self.salt,
            serializer=self.serializer,
            signer=_clock_signer(),
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
                "clock": self.clock,
            },
        )

    def encrypt(self, secret_key: str | bytes, data: Mapping[str, t.Any]) -> str:
        """Return the encrypted cookie value holding ``data``, stamped with now."""
        nonce = _random_nonce()
        plain_data = _plain_dict(data)
        header = _V2_PERMANENT if plain_data.get("_permanent") else _V2_PLAIN
        text = self.serializer.dumps(plain_data)
        plain = _TIMESTAMP.pack(int(self.clock())) + text.encode()
        # SECURITY: no compression before encryption, so the cookie's length
        # cannot reveal whether attacker-supplied text matches a secret in it.
        sealed = _cipher_for(secret_key, self.salt).encrypt(nonce, plain, header)
        token = binascii.b2a_base64(header + nonce + sealed, newline=False)
        return token.translate(_TO_B64URL).rstrip(b"=").decode("ascii")

    def decrypt(
        self, secret_key: str | bytes, value: str, max_age: float | None = None
    ) -> dict[str, t.Any] | None:
        """Return the data in an encrypted cookie value, or None if it is not
        one made with ``secret_key``, has been altered, or is older than
        ``max_age`` seconds."""
        if len(value) > self.max_cookie_size or len(value) % 4 == 1 or not _B64URL.fullmatch(value):
            return None
        raw = _b64url_decode(value)
        version = raw[0] if raw else 0
        if version == _V2 and len(raw) > 1 and raw[1] | _PERMANENT == _PERMANENT:
            size = 2
        elif version == _V1:
            size = 1
        else:
            # Another version, or flags this version does not define.
            return None
        if len(raw) < size + _MIN_SEALED:
            return None
        try:
            plain = _cipher_for(secret_key, self.salt).decrypt(
                raw[size : size + _NONCE_SIZE], raw[size + _NONCE_SIZE :], raw[:size]
            )
        except _invalid_tag():
            return None
        (issued,) = _TIMESTAMP.unpack_from(plain)
        now = self.clock()
        if issued > now + _MAX_CLOCK_SKEW:
            return None
        if max_age is not None and now - issued > max_age:
            return None
        try:
            data = self.serializer.loads(plain[_TIMESTAMP.size :].decode("utf-8"))
        except (ValueError, TypeError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    def load_cookie(self, app: Erlen, value: str) -> tuple[dict[str, t.Any], bool] | None:
        """Decode a session cookie value in either format.

        Returns the data and whether the cookie must be rewritten (it used a
        fallback key or the other format), or None if it is not valid.
        """
        keys = self._keys(app)
        if not keys or not value or len(value) > self.max_cookie_size:
            return None
        max_age = _lifetime(app).total_seconds()
        want_signed = self._format(app) == "signed"
        if "." not in value:
            for index, key in enumerate(keys):
                data = self.decrypt(key, value, max_age)
                if data is not None:
                    return data, index > 0 or want_signed
            return None
        # COMPAT(flask): a Flask cookie, "payload.timestamp.signature".
        from itsdangerous import BadData, BadSignature

        for index, key in enumerate(keys):
            signer = self.get_signing_serializer(app, [key])
            assert signer is not None
            try:
                data = signer.loads(value, max_age=int(max_age))
            except BadSignature:
                continue
            except (BadData, ValueError, TypeError, RecursionError):
                return None
            if not isinstance(data, dict):
                return None
            return data, index > 0 or not want_signed
        return None

    def dump_cookie(self, app: Erlen, data: Mapping[str, t.Any]) -> str:
        """Encode ``data`` as a cookie value with the current key, in the format
        ``SESSION_COOKIE_FORMAT`` asks for."""
        keys = self._keys(app)
        if not keys:
            raise RuntimeError(
                "The session cannot be saved because no secret key was set. Set"
                " SECRET_KEY in the config (app.secret_key) to something unique and secret."
            )
        if self._format(app) == "signed":
            signer = self.get_signing_serializer(app, keys)
            assert signer is not None
            rv = signer.dumps(dict(data))
            return rv if isinstance(rv, str) else rv.decode("ascii")
        return self.encrypt(keys[0], data)

    def open_session(self, app: Erlen, request: Request) -> SecureCookieSession | None:
        """Load the session from the request's cookie; an invalid cookie gives a
        new, empty session, and no secret key gives None."""
        if not _secret_key(app):
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        loaded = self.load_cookie(app, value) if value else None
        if loaded is None:
            session = self.session_class()
            session.new = True
            return session
        data, rewrite = loaded
        session = self.session_class(data)
        session.modified = rewrite
        return session

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        """Set, refresh or delete the session cookie on ``response`` as needed."""
        # Read the flags before anything below touches the mapping.
        accessed = session.accessed
        modified = session.modified
        if not (accessed or modified or (session and self.should_set_cookie(app, session))):
            # PERF: a session opened only to see whether its cookie needs a
            # refresh (a request carrying it to a view that never reads it),
            # and it does not: nothing to send, without the seven cookie
            # settings (0.6 µs).
            return
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)

        if accessed:
            _add_vary_cookie(response)

        if not session:
            if modified:
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                if not accessed:
                    _add_vary_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return

        value = self.dump_cookie(app, session)
        response.set_cookie(
            name,
            value,
            expires=self.get_expiration_time(app, session),
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        # PERF: an accessed session's Vary is there already (the second scan
        # of the headers cost 0.3 µs).
        if not accessed:
            _add_vary_cookie(response)


#: What decides whether an untouched session sends a cookie: replaced on a
#: subclass or an instance, :meth:`should_open_to_refresh` opens every session.
_REFRESH_STEPS = frozenset(
    [
        "open_session",
        "load_cookie",
        "decrypt",
        "should_set_cookie",
        "save_session",
        "session_class",
        "is_null_session",
        "make_null_session",
        "null_session_class",
    ]
)


# PERF: by interface class, read with one dict lookup per request (an
# lru_cache call builds a key object each time: about 1.5k instructions
# more on a request carrying the cookie).
_REFRESHES_ONLY_PERMANENT: dict[type, bool] = {}


def _refreshes_only_permanent(cls: type) -> bool:
    """Whether ``cls`` opens and saves sessions as the cookie interface does,
    so that an unread, unchanged session's cookie is sent only when permanent.
    Remembered per class (up to 256 classes)."""
    session_class = getattr(cls, "session_class", None)
    answer = (
        all(
            getattr(cls, name) is getattr(SecureCookieSessionInterface, name)
            for name in _REFRESH_STEPS - {"session_class"}
        )
        and isinstance(session_class, type)
        and issubclass(session_class, SecureCookieSession)
        and all(
            getattr(session_class, name, None) is getattr(SecureCookieSession, name, None)
            for name in ("__init__", "modified", "permanent", "__bool__", "__len__")
        )
    )
    if len(_REFRESHES_ONLY_PERMANENT) < 256:
        _REFRESHES_ONLY_PERMANENT[cls] = answer
    return answer


def _b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url ``text`` that ``_B64URL`` has matched (only
    the URL-safe alphabet, so after the translate binascii cannot fail)."""
    return binascii.a2b_base64(
        text.encode("ascii").translate(_FROM_B64URL) + b"=" * (-len(text) % 4)
    )


def _plain_dict(data: Mapping[str, t.Any]) -> dict[str, t.Any]:
    """A plain dict copy of ``data``, for the serializer."""
    if isinstance(data, dict) and _keeps_dict_storage(type(data)):
        # PERF: dict(session) runs SecureCookieSession's Python-level keys()
        # and __getitem__ (0.59 µs for one key); dict.items reads the same
        # storage directly (0.15 µs).
        return dict(dict.items(data))
    return dict(data)


@lru_cache(maxsize=32)
def _keeps_dict_storage(cls: type) -> bool:
    """Whether ``dict(obj)`` of a ``cls`` reads what the dict itself stores:
    its ``keys`` and ``__getitem__`` are dict's or SecureCookieSession's (which
    only record the access)."""
    return all(
        getattr(cls, name) in (getattr(dict, name), getattr(SecureCookieSession, name))
        for name in ("keys", "__getitem__")
    )


def _random_nonce() -> bytes:
    # SECURITY: a fresh random nonce per cookie; with 96 bits, a repeat under one
    # key is negligible for any realistic number of writes.
    return os.urandom(_NONCE_SIZE)
