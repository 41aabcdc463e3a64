"""Flask-Login's names that ported code and tests import, besides the API in
test_login.py: ``FlaskLoginClient``, the ``__about__`` module, and the
``_secret_key`` helper of ``flask_login.utils``."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest

from erlen import Erlen, jsonify
from erlen.ext.login import (
    FlaskLoginClient,
    LoginClient,
    LoginManager,
    UserMixin,
    current_user,
    decode_cookie,
    encode_cookie,
)
from erlen.ext.login import __about__ as about
from erlen.ext.login.utils import _secret_key


class User(UserMixin):
    def __init__(self, id: str) -> None:
        self.id = id


def test_flask_login_client_logs_the_user_in(protocol: str) -> None:
    assert FlaskLoginClient is LoginClient
    app = Erlen("flask_names")
    app.config.update(TESTING=True, SECRET_KEY="k")
    manager = LoginManager(app)
    manager.user_loader(User)

    @app.route("/me")
    def me() -> Any:
        return jsonify(id=current_user.get_id(), authenticated=current_user.is_authenticated)

    app.test_client_class = FlaskLoginClient
    with app.test_client(user=User("7"), asgi=protocol == "asgi") as client:
        response = client.get("/me")
        assert response.status_code == 200
        assert response.json == {"id": "7", "authenticated": True}
    with app.test_client(asgi=protocol == "asgi") as anonymous:
        assert anonymous.get("/me").json == {"id": None, "authenticated": False}


def test_about_module() -> None:
    assert about.__title__ == "erlen.ext.login"
    assert about.__version__ == importlib.metadata.version("erlen")
    assert about.__version_info__[:2] == tuple(
        int(part) for part in about.__version__.split(".")[:2]
    )
    assert about.__license__ == "BSD-3-Clause"
    for name in about.__all__:
        assert getattr(about, name) is not None


@pytest.mark.parametrize(
    ("secret", "expected"),
    [(b"\x9e\x8f\x14", b"\x9e\x8f\x14"), ("\x9e\x8f\x14", b"\x9e\x8f\x14"), ("abc", b"abc")],
)
def test_secret_key_is_the_app_key_as_bytes(secret: str | bytes, expected: bytes) -> None:
    app = Erlen("secret_key")
    app.config["SECRET_KEY"] = secret
    with app.test_request_context():
        assert _secret_key() == expected
        # It is the key remember-me cookies are signed with.
        cookie = encode_cookie("42")
        assert decode_cookie(cookie, key=expected) == "42"
    # An explicit key needs no app.
    assert _secret_key(secret) == expected


def test_secret_key_without_a_key_is_a_clear_error() -> None:
    app = Erlen("no_secret_key")
    with app.test_request_context(), pytest.raises(RuntimeError, match="SECRET_KEY"):
        _secret_key()
