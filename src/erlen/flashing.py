"""Message flashing: notes stored in the session and shown once, on a later page.

Call :func:`flash` in a view (often before a redirect), then read the messages
with :func:`get_flashed_messages` in the next page's template::

    {% for category, message in get_flashed_messages(with_categories=true) %}
      <p class="{{ category }}">{{ message }}</p>
    {% endfor %}

Messages live in the session under ``"_flashes"``, so flashing needs a secret key.
"""

from __future__ import annotations

import typing as t

from erlen.globals import current_app, request_ctx, session
from erlen.signals import message_flashed

if t.TYPE_CHECKING:
    from erlen.ctx import RequestContext

__all__ = ["flash", "get_flashed_messages"]


def flash(message: str, category: str = "message") -> None:
    """Store ``message`` to be shown on the next page that asks for messages.

    :param message: the text to show.
    :param category: a label for the message; ``"message"``, ``"error"``,
        ``"info"``, ``"warning"`` and ``"success"`` are common. Templates can
        filter on it or use it as a CSS class.

    Sends :data:`erlen.signals.message_flashed` with the app as sender.
    """
    # COMPAT(flask): reassign the list instead of appending in place, so the
    # session sees a write and is saved.
    flashes = list(session.get("_flashes", []))
    flashes.append((category, message))
    session["_flashes"] = flashes
    # PERF: the signal is sent only when something listens to it.
    if message_flashed.receivers:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


@t.overload
def get_flashed_messages(
    with_categories: t.Literal[False] = False, category_filter: t.Iterable[str] = ()
) -> list[str]: ...


@t.overload
def get_flashed_messages(
    with_categories: t.Literal[True], category_filter: t.Iterable[str] = ()
) -> list[tuple[str, str]]: ...


@t.overload
def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]: ...


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Return the flashed messages and remove them from the session.

    The first call in a request takes the messages out of the session; later
    calls in the same request return the same messages, so a base template and
    a page can both call it.

    :param with_categories: return ``(category, message)`` pairs instead of
        only the messages.
    :param category_filter: keep only messages of these categories.
    """
    ctx: RequestContext = request_ctx._get_current_object()  # type: ignore[attr-defined]
    flashes = ctx.flashes
    if flashes is None:
        stored = session.pop("_flashes") if "_flashes" in session else []
        flashes = [(str(category), message) for category, message in stored]
        ctx.flashes = flashes
    if category_filter:
        # A bare string names one category, not a set of letters.
        wanted = {category_filter} if isinstance(category_filter, str) else set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return flashes
    return [message for _, message in flashes]
