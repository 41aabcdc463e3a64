"""The signals :mod:`erlen.ext.login` sends, with the app as sender.

Connect to them like erlen's own signals::

    from erlen.ext.login import user_logged_in

    @user_logged_in.connect_via(app)
    def remember_login(sender, user, **extra):
        audit_log.append(("login", user.get_id()))

============================ =========================================
signal                       sent when (keyword arguments)
============================ =========================================
``user_logged_in``           :func:`login_user` succeeded (``user``)
``user_logged_out``          :func:`logout_user` ran (``user``, the one
                             who was logged in, or the anonymous user)
``user_loaded_from_cookie``  the remember-me cookie logged a user in
                             (``user``)
``user_loaded_from_request`` the ``request_loader`` returned a user
                             (``user``)
``user_login_confirmed``     :func:`confirm_login` made the login fresh
``user_unauthorized``        :meth:`LoginManager.unauthorized` ran
``user_needs_refresh``       :meth:`LoginManager.needs_refresh` ran
``user_accessed``            the user is loaded (once per request)
``session_protected``        session protection saw a changed session
                             identifier and acted
============================ =========================================
"""

from __future__ import annotations

from erlen.signals import Namespace

# A namespace of this extension's own, so its names ("logged-in", ...) can
# never collide with an app's signals made through erlen.signals.signal().
_signals = Namespace()

user_logged_in = _signals.signal("logged-in")
user_logged_out = _signals.signal("logged-out")
user_loaded_from_cookie = _signals.signal("loaded-from-cookie")
user_loaded_from_request = _signals.signal("loaded-from-request")
user_login_confirmed = _signals.signal("login-confirmed")
user_unauthorized = _signals.signal("unauthorized")
user_needs_refresh = _signals.signal("needs-refresh")
user_accessed = _signals.signal("accessed")
session_protected = _signals.signal("session-protected")

__all__ = [
    "session_protected",
    "user_accessed",
    "user_loaded_from_cookie",
    "user_loaded_from_request",
    "user_logged_in",
    "user_logged_out",
    "user_login_confirmed",
    "user_needs_refresh",
    "user_unauthorized",
]
