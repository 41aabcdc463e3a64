"""The parts every server-side store shares: the session class, the session id
in its cookie (optionally signed), serialization, and what happens when the
store cannot be reached.

A backend subclasses :class:`ServerSideSessionInterface` and implements five
small storage methods (:meth:`~ServerSideSessionInterface.fetch`,
:meth:`~ServerSideSessionInterface.store`, :meth:`~ServerSideSessionInterface.touch`,
:meth:`~ServerSideSessionInterface.delete`,
:meth:`~ServerSideSessionInterface.delete_expired`); everything about cookies,
ids and errors lives here.
"""

from __future__ import annotations

import random
import re
import secrets
import typing as t
from collections.abc import Iterable, Mapping
from datetime import timedelta

from erlen.http.exceptions import ServiceUnavailable
from erlen.json.tag import TaggedJSONSerializer
from erlen.sessions import SecureCookieSession, SessionInterface, SessionMixin

if t.TYPE_CHECKING:
    from erlen import Erlen
    from erlen.http.request import Request
    from erlen.http.response import Response

__all__ = [
    "DEFAULT_ID_LENGTH",
    "DEFAULT_KEY_PREFIX",
    "ServerSideSession",
    "ServerSideSessionInterface",
    "SessionStoreUnavailable",
    "UnavailableSession",
]

DEFAULT_KEY_PREFIX = "session:"
DEFAULT_ID_LENGTH = 32
#: Fewer random bytes than this make ids guessable in practice (128 bits).
MIN_ID_LENGTH = 16
#: The salt Flask-Session signs ids with, kept so signed cookies carry over.
SIGNER_SALT = "flask-session"

# SECURITY: an id from the cookie goes into store keys and file names; only
# what secrets.token_urlsafe produces (and of bounded length) gets that far.
_VALID_SID = re.compile(r"[A-Za-z0-9_-]{16,512}")

_UNAVAILABLE_MESSAGE = (
    "The session store is temporarily unavailable, so your session could not be"
    " {action}. Please try again in a moment."
)


class SessionStoreUnavailable(ServiceUnavailable):
    """503: the session store could not be reached while loading a session.

    Raised from ``open_session`` (the first use of ``session`` in a request),
    so the request stops instead of running on an empty session and
    overwriting what the user had stored.
    """


class ServerSideSession(SecureCookieSession):
    """A session whose data lives on the server; the cookie holds only :attr:`sid`.

    It is a dict that records reads (``accessed``) and changes (``modified``)
    like erlen's cookie session. Changing a mutable value in place
    (``session["cart"].append(x)``) is not seen: set ``modified = True``.
    """

    __slots__ = ("_sid_length", "previous_sid", "sid")

    def __init__(
        self,
        initial: Mapping[str, t.Any] | Iterable[tuple[str, t.Any]] | None = None,
        sid: str = "",
        permanent: bool | None = None,
        sid_length: int = DEFAULT_ID_LENGTH,
    ) -> None:
        super().__init__(initial)
        #: The session id: the key of the record on the server.
        self.sid = sid or make_sid(sid_length)
        #: The id this session had before :meth:`regenerate`; its record is
        #: deleted when the session is saved.
        self.previous_sid: str | None = None
        self._sid_length = sid_length
        if permanent:
            # Not a change the user made: a new session is not saved for it.
            dict.__setitem__(self, "_permanent", True)

    def __bool__(self) -> bool:
        # COMPAT(flask-session): a session holding only the "permanent" flag is
        # empty, so it is neither stored nor given a cookie.
        self.accessed = True
        return any(key != "_permanent" for key in dict.keys(self))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.sid[:6]}... {dict.__repr__(self)}>"

    def clear(self) -> None:
        """Remove every key but the permanent flag; the saved record and the
        cookie are then deleted (this is how to log a user out)."""
        permanent = dict.get(self, "_permanent")
        super().clear()
        if permanent is not None:
            dict.__setitem__(self, "_permanent", permanent)

    def regenerate(self) -> None:
        """Give the session a new random id, keeping its data.

        Call it when the user's privileges change, above all at login: an id
        an attacker planted or saw before login (session fixation) then leads
        nowhere. The record under the old id is deleted when the session is
        saved at the end of the request, and the new id goes out in the cookie.
        """
        if self.previous_sid is None:
            self.previous_sid = self.sid
        self.sid = make_sid(self._sid_length)
        self.modified = True
        self.accessed = True


class UnavailableSession(ServerSideSession):
    """The session of a request whose session could not be loaded because the
    store is down.

    Any use of it raises :class:`SessionStoreUnavailable` (a 503), so a
    request that needs the session stops there, while one that carries the
    cookie but never uses the session still succeeds. It is never saved: the
    user's cookie and stored data stay as they were.
    """

    __slots__ = ()

    def _unavailable(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise SessionStoreUnavailable(_UNAVAILABLE_MESSAGE.format(action="loaded"))

    __getitem__ = get = __contains__ = __iter__ = __len__ = __bool__ = _unavailable
    keys = values = items = copy = _unavailable
    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _unavailable
    __ior__ = regenerate = _unavailable


def make_sid(length: int) -> str:
    """A new session id: ``secrets.token_urlsafe(length)`` (``length`` random bytes)."""
    return secrets.token_urlsafe(length)


class ServerSideSessionInterface(SessionInterface):
    """Keep sessions in a server-side store, with only their id in the cookie.

    The cookie's name and flags come from the ``SESSION_COOKIE_*`` keys, as
    for erlen's cookie session. A missing, unknown, expired or tampered id
    gives a new empty session under a fresh id (never the id the client sent).
    The store is written when the session changed; otherwise, with
    ``SESSION_REFRESH_EACH_REQUEST``, only its expiry is pushed forward. One
    interface serves every thread; it keeps no per-request state.
    """

    session_class: type[ServerSideSession] = ServerSideSession
    #: Each backend blocks on I/O: under ASGI its save runs in the thread pool.
    blocking_io = True
    #: Asks the ASGI driver to open the session in the thread pool before the
    #: ``before_request`` hooks when the request carries the cookie, so an
    #: ``async def`` view never waits on the store on the event loop.
    preload_session = True
    #: Whether the store expires records itself (Redis); the others need
    #: :meth:`delete_expired` now and then.
    has_native_ttl = False
    #: A short name for log lines.
    backend_name = "server-side"
    #: The exceptions meaning "the store cannot be reached" (a 503), set by each backend.
    unavailable_errors: tuple[type[BaseException], ...] = ()

    def __init__(
        self,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        use_signer: bool = False,
        permanent: bool = True,
        sid_length: int = DEFAULT_ID_LENGTH,
        serialization_format: str = "json",
        cleanup_n_requests: int | None = None,
    ) -> None:
        if serialization_format != "json":
            raise ValueError(
                f"SESSION_SERIALIZATION_FORMAT={serialization_format!r} is not supported:"
                " erlen stores sessions as tagged JSON (the format of its cookie"
                " session). Set SESSION_SERIALIZATION_FORMAT = 'json'."
            )
        if isinstance(sid_length, bool) or not isinstance(sid_length, int):
            raise TypeError(f"SESSION_ID_LENGTH must be an int, not {sid_length!r}.")
        if sid_length < MIN_ID_LENGTH:
            raise ValueError(
                f"SESSION_ID_LENGTH={sid_length} is too short to be unguessable;"
                f" use at least {MIN_ID_LENGTH} (the default is {DEFAULT_ID_LENGTH})."
            )
        if cleanup_n_requests is not None and (
            isinstance(cleanup_n_requests, bool)
            or not isinstance(cleanup_n_requests, int)
            or cleanup_n_requests < 1
        ):
            raise ValueError(
                "SESSION_CLEANUP_N_REQUESTS must be a positive int (or None),"
                f" not {cleanup_n_requests!r}."
            )
        self.key_prefix = key_prefix
        self.use_signer = use_signer
        self.permanent = permanent
        self.sid_length = sid_length
        self.serialization_format = serialization_format
        self.cleanup_n_requests = cleanup_n_requests
        self.serializer = TaggedJSONSerializer()

    # -- storage: implemented by each backend ---------------------------------

    def fetch(self, store_id: str, lifetime: timedelta) -> bytes | str | None:
        """The stored data for ``store_id``, or None when absent or expired
        (``lifetime`` is ``PERMANENT_SESSION_LIFETIME``, for stores that need it)."""
        raise NotImplementedError

    def store(self, store_id: str, data: bytes, lifetime: timedelta) -> None:
        """Create or replace the record, expiring ``lifetime`` from now."""
        raise NotImplementedError

    def touch(self, store_id: str, lifetime: timedelta) -> None:
        """Push an existing record's expiry to ``lifetime`` from now, leaving its
        data alone; a missing record stays missing."""
        raise NotImplementedError

    def delete(self, store_id: str) -> None:
        """Delete the record if it exists."""
        raise NotImplementedError

    def delete_expired(self, lifetime: timedelta) -> int:
        """Delete expired records; return how many went (stores with native
        expiry have nothing to do)."""
        return 0

    # -- ids, signing, serialization ------------------------------------------

    def store_id(self, sid: str) -> str:
        """The store key of a session id: ``SESSION_KEY_PREFIX`` + id."""
        return self.key_prefix + sid

    def new_session(self) -> ServerSideSession:
        """A new, empty session under a fresh random id."""
        session = self.session_class(permanent=self.permanent, sid_length=self.sid_length)
        session.new = True
        return session

    def regenerate(self, session: ServerSideSession) -> None:
        """Give ``session`` a new id (see :meth:`ServerSideSession.regenerate`).

        COMPAT(flask-session): ``app.session_interface.regenerate(session)``.
        """
        session.regenerate()

    def _signer(self, app: Erlen) -> t.Any:
        # app.secret_key (SECRET_KEY, or a subclass's class attribute).
        secret = app.secret_key
        if not secret:
            raise RuntimeError(
                "SESSION_USE_SIGNER is on, so the session id is signed with"
                " SECRET_KEY, but SECRET_KEY is not set. Set it to something unique"
                " and secret, or turn SESSION_USE_SIGNER off."
            )
        from itsdangerous import Signer

        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
        # itsdangerous signs with the last key and accepts all of them.
        return Signer([*fallbacks, secret], salt=SIGNER_SALT, key_derivation="hmac")

    def cookie_value(self, app: Erlen, sid: str) -> str:
        """The cookie's value for ``sid``: the id, signed when ``SESSION_USE_SIGNER``."""
        if not self.use_signer:
            return sid
        signed: bytes = self._signer(app).sign(sid.encode("ascii"))
        return signed.decode("ascii")

    def sid_from_cookie(self, app: Erlen, value: str) -> str | None:
        """The session id in a cookie value, or None when it is malformed or
        its signature does not verify."""
        if self.use_signer:
            from itsdangerous import BadSignature

            try:
                value = self._signer(app).unsign(value.encode("ascii")).decode("ascii")
            except (BadSignature, UnicodeError):
                return None
        if _VALID_SID.fullmatch(value) is None:
            return None
        return value

    def serialize(self, session: ServerSideSession) -> bytes:
        """The bytes stored for ``session``: its items as tagged JSON."""
        return self.serializer.dumps(dict(session)).encode("utf-8")

    def deserialize(self, data: bytes | str) -> dict[str, t.Any] | None:
        """The session items in stored ``data``, or None when it cannot be read."""
        try:
            value = self.serializer.loads(data)
        except Exception:
            # Whatever a corrupted record makes the tag decoders raise
            # (AttributeError for {" u": 5}, ValueError, RecursionError...),
            # it is not a session: the caller starts a new one, never a 500.
            return None
        return value if isinstance(value, dict) else None

    # -- the SessionInterface API ---------------------------------------------

    def open_session(self, app: Erlen, request: Request) -> ServerSideSession:
        """Load the session whose id the request's cookie holds, or start a new one.

        When the store cannot be reached this logs the failure and returns an
        :class:`UnavailableSession`: using it raises
        :class:`SessionStoreUnavailable` (a 503), rather than handing the view
        an empty session whose save would overwrite the user's data.
        """
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.new_session()
        sid = self.sid_from_cookie(app, value)
        if sid is None:
            return self.new_session()
        try:
            data = self.fetch(self.store_id(sid), app.permanent_session_lifetime)
        except self.unavailable_errors as error:
            self.log_unavailable(app, error, "loading")
            # Not raised here: under ASGI this runs before the before_request
            # hooks (preload_session), outside the app's error handling.
            return UnavailableSession(sid=sid, sid_length=self.sid_length)
        if data is None:
            return self.new_session()
        items = self.deserialize(data)
        if items is None:
            app.logger.warning(
                "The %s session store returned a record that is not a session;"
                " starting a new session.",
                self.backend_name,
            )
            return self.new_session()
        return self.session_class(items, sid=sid, sid_length=self.sid_length)

    def should_set_storage(self, app: Erlen, session: ServerSideSession) -> bool:
        """Whether to touch the store: the session changed, or
        ``SESSION_REFRESH_EACH_REQUEST`` asks to push its expiry forward."""
        return session.modified or bool(app.config.get("SESSION_REFRESH_EACH_REQUEST", True))

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        """Write the session to the store and its id to the cookie, as needed.

        An emptied session deletes its record and the cookie. When the store
        cannot be reached the response becomes a 503 and the failure is
        logged: the user is told, instead of their change being dropped.
        """
        if not isinstance(session, ServerSideSession):
            raise TypeError(
                f"{type(self).__name__} saves ServerSideSession objects, not"
                f" {type(session).__name__}."
            )
        if isinstance(session, UnavailableSession):
            return
        # Read the flags before the checks below mark the session accessed.
        accessed = session.accessed
        modified = session.modified
        if accessed:
            response.vary.add("Cookie")
        store_id = self.store_id(session.sid)
        cookie: dict[str, t.Any] = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }
        name = self.get_cookie_name(app)
        lifetime = app.permanent_session_lifetime

        if not session:
            if not modified:
                return
            try:
                if session.previous_sid is not None:
                    self.delete(self.store_id(session.previous_sid))
                self.delete(store_id)
            except self.unavailable_errors as error:
                self.answer_unavailable(app, response, error)
                return
            response.delete_cookie(name, **cookie)
            response.vary.add("Cookie")
            return

        if not self.should_set_storage(app, session):
            return
        # Serialize first: a value that is not JSON-able is a bug in the app
        # (a 500 with its traceback), not an unavailable store.
        data = self.serialize(session) if modified else None
        try:
            if session.previous_sid is not None:
                self.delete(self.store_id(session.previous_sid))
            if data is not None:
                self.store(store_id, data, lifetime)
            else:
                # PERF and safety: an unchanged session only gets a new expiry;
                # rewriting its data would undo a concurrent request's change
                # or a forced logout that happened meanwhile.
                self.touch(store_id, lifetime)
        except self.unavailable_errors as error:
            self.answer_unavailable(app, response, error)
            return
        session.previous_sid = None
        self.maybe_cleanup(app)

        if not self.should_set_cookie(app, session):
            return
        response.set_cookie(
            name,
            self.cookie_value(app, session.sid),
            expires=self.get_expiration_time(app, session),
            **cookie,
        )
        response.vary.add("Cookie")

    # -- failures and housekeeping --------------------------------------------

    def log_unavailable(self, app: Erlen, error: BaseException, doing: str) -> None:
        """Log that the store failed while ``doing`` (loading, saving) a session."""
        app.logger.error(
            "The %s session store is unavailable while %s a session (%s: %s);"
            " answering 503 Service Unavailable.",
            self.backend_name,
            doing,
            type(error).__name__,
            error,
        )

    def answer_unavailable(self, app: Erlen, response: Response, error: BaseException) -> None:
        """Turn ``response`` into a 503 because the session could not be saved.

        The view's body, cookies and other headers are dropped: sending them
        would tell the client that a change succeeded which was not stored.
        """
        self.log_unavailable(app, error, "saving")
        page = SessionStoreUnavailable(_UNAVAILABLE_MESSAGE.format(action="saved"))
        failed = page.get_response()
        old_body = response.response
        close = getattr(old_body, "close", None)
        if close is not None and not response.is_sequence:
            # A streamed body (a file, a generator) is still closed with the response.
            response.call_on_close(close)
        response.direct_passthrough = False
        response.status_code = failed.status_code
        response.headers.clear()
        for key, value in failed.headers:
            if key.lower() != "content-length":
                response.headers.add(key, value)
        response.headers["Cache-Control"] = "no-store"
        response.set_data(failed.get_data())

    def maybe_cleanup(self, app: Erlen) -> None:
        """With ``SESSION_CLEANUP_N_REQUESTS = n``, delete expired records on
        about one save in ``n`` (stores without native expiry only)."""
        n = self.cleanup_n_requests
        if not n or self.has_native_ttl:
            return
        # Spreading the work needs no unpredictability; random is enough.
        if n > 1 and random.randrange(n) != 0:
            return
        try:
            self.delete_expired(app.permanent_session_lifetime)
        except self.unavailable_errors as error:
            # Housekeeping: the request itself succeeded, so only log.
            app.logger.warning(
                "Deleting expired sessions from the %s store failed (%s: %s).",
                self.backend_name,
                type(error).__name__,
                error,
            )

    def register_cleanup_command(self, app: Erlen) -> None:
        """Add ``erlen session_cleanup``, which deletes expired sessions (for a
        cron job), to stores without native expiry."""
        if self.has_native_ttl:
            return
        import click

        interface = self

        @app.cli.command("session_cleanup")
        def session_cleanup() -> None:
            """Delete expired server-side sessions."""
            count = interface.delete_expired(app.permanent_session_lifetime)
            click.echo(f"Deleted {count} expired session(s).")
