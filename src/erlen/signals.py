"""Signals: erlen's built-in lifecycle events, and your own, on blinker.

Connect a function to be told when something happens; it is called
synchronously, in the thread that sent the signal::

    from erlen import request_finished

    def log_request(sender, response, **extra):
        print(f"Request finished with status {response.status_code}")

    request_finished.connect(log_request, app)   # only for this app

Every receiver gets the sender (the application) as its first argument and the
keyword arguments below; accept ``**extra`` so new arguments never break it.
When the framework sends with blinker's ``_async_wrapper=app.ensure_sync``,
``async def`` receivers work too.

=========================== ===================== ===========================
signal                      sender                keyword arguments
=========================== ===================== ===========================
``template_rendered``       the app               ``template``, ``context``
``before_render_template``  the app               ``template``, ``context``
``request_started``         the app               none (read ``request``)
``request_finished``        the app               ``response``
``got_request_exception``   the app               ``exception``
``request_tearing_down``    the app               ``exc`` (``None`` if none)
``appcontext_tearing_down`` the app               ``exc`` (``None`` if none)
``appcontext_pushed``       the app               none
``appcontext_popped``       the app               none
``message_flashed``         the app               ``message``, ``category``
``websocket_started``       the app               none (read ``websocket``)
``websocket_finished``      the app               none
=========================== ===================== ===========================

``request_started`` is sent before the ``before_request`` hooks,
``request_finished`` after the session is saved, ``got_request_exception``
only for an exception that no error handler turned into a response, and the
tearing-down signals just before the matching ``teardown_*`` functions. The two
``websocket_*`` signals are erlen's own (served under ASGI only).

The framework sends a signal only ``if signal.receivers:``, so a signal
nobody connected to costs one attribute check per request, nothing more.

Your own signals come from :func:`signal`::

    from erlen import signals

    user_registered = signals.signal("user-registered")
    user_registered.connect(send_welcome_email, app)
    user_registered.send(app, user=new_user)
"""

from __future__ import annotations

import blinker
from blinker import NamedSignal, Namespace

__all__ = [
    "Namespace",
    "NamedSignal",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "signal",
    "template_rendered",
    "websocket_finished",
    "websocket_started",
]

# PERF: senders guard with ``if signal.receivers:``; blinker's send() allocates
# even with no receivers, and the guard keeps an unobserved app free of that.
# Only erlen's own signals live here, so a user's signal("request-started")
# can never be one of the framework's.
_signals = Namespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")
websocket_started = _signals.signal("websocket-started")
websocket_finished = _signals.signal("websocket-finished")


def signal(name: str, doc: str | None = None) -> NamedSignal:
    """Return the signal called ``name``, creating it on first use.

    The same name always gives the same signal object, anywhere in the
    process, and it is the very signal ``blinker.signal(name)`` returns, so
    code written against blinker directly shares it.
    """
    return blinker.signal(name, doc)
