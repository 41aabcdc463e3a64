"""Encoding and decoding tokens with PyJWT, by this extension's rules.

Decoding is written as a generator of *steps*: where it needs a user
callback it yields ``(callback, args)`` and receives the result, so one
source serves sync views (the callback is called) and ``async def`` views
(an ``async def`` callback is awaited on the running loop). See
:func:`run_steps` and :func:`run_steps_async`.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta
from hmac import compare_digest
from typing import Any, Literal, TypeVar

import jwt as pyjwt
from jwt.types import Options

from erlen import current_app, has_app_context

from .config import config
from .exceptions import CSRFError, JWTDecodeError

__all__ = [
    "ClaimsEncoder",
    "Step",
    "Steps",
    "decode_steps",
    "encode",
    "run_steps",
    "run_steps_async",
]

T = TypeVar("T")

#: A call a step generator asks its driver to make: ``(callback, args)``.
Step = tuple[Callable[..., Any], tuple[Any, ...]]
Steps = Generator[Step, Any, T]


class ClaimsEncoder(json.JSONEncoder):
    """Encodes claims PyJWT's JSON cannot (dates, UUIDs, Decimals, ...) with
    the app's JSON provider's ``default``, as a view's JSON would be."""

    def default(self, o: Any) -> Any:
        if has_app_context():
            default = getattr(current_app.json, "default", None)
            if default is not None:
                return default(o)
        return super().default(o)


def encode(
    *,
    identity: Any,
    token_type: Literal["access", "refresh"],
    fresh: bool | float | timedelta,
    expires_delta: timedelta | Literal[False] | Any,
    claims: dict[str, Any],
    headers: dict[str, Any],
    key: Any,
) -> str:
    """Sign a token whose payload has flask_jwt_extended's claims: ``fresh``,
    ``iat``, ``jti``, ``type``, the identity claim, ``nbf``, ``csrf`` (for
    cookies), ``aud``, ``iss`` and ``exp`` as configured; ``claims`` last."""
    now = datetime.now(UTC)
    if isinstance(fresh, timedelta):
        fresh = (now + fresh).timestamp()
    payload: dict[str, Any] = {
        "fresh": fresh,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "type": token_type,
        config.identity_claim: identity,
    }
    if config["JWT_ENCODE_NBF"]:
        payload["nbf"] = now
    if config["JWT_COOKIE_CSRF_PROTECT"]:
        payload["csrf"] = str(uuid.uuid4())
    if config["JWT_ENCODE_AUDIENCE"]:
        payload["aud"] = config["JWT_ENCODE_AUDIENCE"]
    if config["JWT_ENCODE_ISSUER"]:
        payload["iss"] = config["JWT_ENCODE_ISSUER"]
    if expires_delta is not False:
        payload["exp"] = now + expires_delta
    payload.update(claims)
    return pyjwt.encode(
        payload, key, config.algorithm, headers=headers or None, json_encoder=ClaimsEncoder
    )


def default_decode_key(header: dict[str, Any], data: dict[str, Any]) -> Any:
    """The default ``decode_key_loader``: the current app's decode key
    (``JWT_SECRET_KEY``, else ``SECRET_KEY``; ``JWT_PUBLIC_KEY`` for
    asymmetric algorithms), whatever the token holds."""
    return config.decode_key


def decode_steps(
    encoded_token: str,
    decode_key_callback: Callable[[dict[str, Any], dict[str, Any]], Any],
    csrf_value: str | None = None,
    allow_expired: bool = False,
) -> Steps[dict[str, Any]]:
    """Verify and decode ``encoded_token`` (signature, ``exp``, ``nbf``,
    ``iat``, audience, issuer, ``sub``), fill in the claims this extension
    reads, and check the double-submit CSRF value when one is given.

    PyJWT's errors propagate (an expired token's carries ``jwt_header`` and
    ``jwt_data``, for ``expired_token_loader``)."""
    if not isinstance(encoded_token, str):
        raise pyjwt.DecodeError("Invalid token type. Token must be a str")
    algorithms = config.decode_algorithms
    unverified_header: dict[str, Any] | None = None
    if decode_key_callback is default_decode_key:
        # PERF: the configured key does not depend on the token, so the
        # token is parsed once, verified, instead of three times (an
        # unverified decode and header for the callback first): decode_token
        # 68 -> 32 µs. A malformed token raises from the verified decode.
        key = config.decode_key
    else:
        unverified_claims = pyjwt.decode(
            encoded_token, algorithms=algorithms, options={"verify_signature": False}
        )
        unverified_header = pyjwt.get_unverified_header(encoded_token)
        key = yield (decode_key_callback, (unverified_header, unverified_claims))
    audience = config["JWT_DECODE_AUDIENCE"]
    options: Options = {
        "verify_aud": audience is not None,
        "verify_sub": bool(config["JWT_VERIFY_SUB"]),
    }
    # Expired tokens are still decoded for expired_token_loader's arguments.
    no_exp: Options = {**options, "verify_exp": False}

    def decode(check_exp: bool) -> dict[str, Any]:
        return pyjwt.decode(
            encoded_token,
            key,
            algorithms=algorithms,
            audience=audience,
            issuer=config["JWT_DECODE_ISSUER"],
            leeway=config["JWT_DECODE_LEEWAY"],
            options=options if check_exp else no_exp,
        )

    try:
        data = decode(check_exp=not allow_expired)
    except pyjwt.ExpiredSignatureError as error:
        # Only reached when the signature and the other claims are valid.
        if unverified_header is None:
            unverified_header = pyjwt.get_unverified_header(encoded_token)
        error.jwt_header = unverified_header  # type: ignore[attr-defined]
        error.jwt_data = decode(check_exp=False)  # type: ignore[attr-defined]
        raise
    identity_claim = config.identity_claim
    if identity_claim not in data:
        raise JWTDecodeError(f"Missing claim: {identity_claim}")
    data.setdefault("type", "access")
    data.setdefault("fresh", False)
    data.setdefault("jti", None)
    if csrf_value:
        expected = data.get("csrf")
        if not isinstance(expected, str):
            raise JWTDecodeError("Missing claim: csrf")
        # SECURITY: constant-time, so the token's value cannot be guessed
        # byte by byte from response timings.
        if not compare_digest(expected.encode(), csrf_value.encode()):
            raise CSRFError("CSRF double submit tokens do not match")
    return data


def _call_sync(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    if inspect.iscoroutinefunction(fn):
        # An async callback in a sync view: the app runs it to completion.
        return current_app.ensure_sync(fn)(*args)
    rv = fn(*args)
    if inspect.isawaitable(rv):
        awaitable = rv

        async def wait() -> Any:
            return await awaitable

        return current_app.ensure_sync(wait)()
    return rv


def run_steps(steps: Steps[T]) -> T:
    """Drive ``steps`` from sync code, calling each callback."""
    try:
        step = next(steps)
        while True:
            fn, args = step
            step = steps.send(_call_sync(fn, args))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        steps.close()


async def run_steps_async(steps: Steps[T]) -> T:
    """Drive ``steps`` from async code: sync callbacks are called, async
    ones awaited."""
    try:
        step = next(steps)
        while True:
            fn, args = step
            rv = fn(*args)
            if inspect.isawaitable(rv):
                rv = await rv
            step = steps.send(rv)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        steps.close()
