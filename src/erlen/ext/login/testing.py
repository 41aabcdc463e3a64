""":class:`LoginClient`: a test client that starts out logged in."""

from __future__ import annotations

from typing import Any

from erlen.testing import ErlenClient

from .mixins import UserProtocol
from .utils import get_login_manager

__all__ = ["FlaskLoginClient", "LoginClient"]


class LoginClient(ErlenClient):
    """A test client whose session already holds a login, so tests need not
    post to the login form first::

        app.test_client_class = LoginClient
        client = app.test_client(user=alice)                  # fresh login
        client = app.test_client(user=alice, fresh_login=False, asgi=True)

    The session is bound to the client's own address and user agent, so
    session protection keeps the login as it is.
    """

    def __init__(
        self,
        *args: Any,
        user: UserProtocol | None = None,
        fresh_login: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if user is None:
            return
        app = self.application
        manager = get_login_manager(app)
        user_id = getattr(user, manager.id_attribute)()
        # The identifier is the manager's own, computed for a request from
        # this client (its REMOTE_ADDR and User-Agent).
        with app.test_request_context(environ_base=self.environ_base):
            identifier = manager._session_identifier_generator()
        with self.session_transaction() as sess:
            sess["_user_id"] = user_id
            sess["_fresh"] = fresh_login
            sess["_id"] = identifier


#: Flask-Login's name for :class:`LoginClient`, so ported tests run unchanged.
FlaskLoginClient = LoginClient
