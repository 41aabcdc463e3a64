"""erlen.ext.jwt where Flask-JWT-Extended 4.7's own test suite found it
different: calendar expiries (``dateutil.relativedelta``), the manager under
``app.extensions["flask-jwt-extended"]``, and the ``config`` object's
Flask-JWT-Extended attribute names (tests/compat/test_jwt_own_suite.py)."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from erlen import Erlen
from erlen.ext.jwt import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    jwt_required,
)
from erlen.ext.jwt.config import config

SECRET = "erlen-jwt-test-secret-0123456789abcdef"


class Hours:
    """A delta that is not a timedelta but adds to a datetime, as
    ``dateutil.relativedelta`` does (without depending on dateutil)."""

    def __init__(self, hours: int) -> None:
        self.hours = hours

    def __radd__(self, other: datetime) -> datetime:
        return other + timedelta(hours=self.hours)


@pytest.fixture
def app() -> Erlen:
    app = Erlen("jwt_compat")
    app.config.update(TESTING=True, JWT_SECRET_KEY=SECRET)
    JWTManager(app)

    @app.get("/protected")
    @jwt_required()
    def protected() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def test_expiry_may_be_any_delta_a_datetime_adds(app: Erlen) -> None:
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = Hours(2)
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = Hours(5)
    with app.app_context():
        now = time.time()
        access = decode_token(create_access_token("ada"))
        refresh = decode_token(create_refresh_token("ada"))
        by_call = decode_token(create_access_token("ada", expires_delta=Hours(1)))
    assert access["exp"] - now == pytest.approx(2 * 3600, abs=5)
    assert refresh["exp"] - now == pytest.approx(5 * 3600, abs=5)
    assert by_call["exp"] - now == pytest.approx(3600, abs=5)


def test_an_expired_relativedelta_token_is_refused(app: Erlen) -> None:
    relativedelta = pytest.importorskip("dateutil.relativedelta").relativedelta
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = relativedelta(months=1)
    with app.app_context():
        month = decode_token(create_access_token("ada"))
        expired = create_access_token("ada", expires_delta=relativedelta(minutes=-1))
    in_a_month = datetime.now(UTC) + relativedelta(months=1)
    assert month["exp"] == pytest.approx(in_a_month.timestamp(), abs=5)
    response = app.test_client().get("/protected", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json == {"msg": "Token has expired"}


@pytest.mark.parametrize("value", ["banana", True, object(), 1.5])
def test_an_unusable_expiry_names_the_key(app: Erlen, value: object) -> None:
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = value
    with app.app_context():
        with pytest.raises(RuntimeError, match="JWT_REFRESH_TOKEN_EXPIRES"):
            create_refresh_token("ada")
        with pytest.raises(RuntimeError, match="JWT_REFRESH_TOKEN_EXPIRES"):
            _ = config.refresh_expires
        with pytest.raises(RuntimeError, match="expires_delta"):
            create_access_token("ada", expires_delta="soon")


def test_the_manager_is_also_under_flask_jwt_extendeds_key() -> None:
    app = Erlen("jwt_key")
    manager = JWTManager(app)
    assert app.extensions["flask-jwt-extended"] is manager
    assert app.extensions["jwt"] is manager
    late = JWTManager()
    other = Erlen("jwt_key_late")
    late.init_app(other)
    assert other.extensions["flask-jwt-extended"] is late


def test_config_has_flask_jwt_extendeds_attribute_names(app: Erlen) -> None:
    with app.app_context():
        assert config.header_name == "Authorization"
        assert config.header_type == "Bearer"
        assert config.identity_claim_key == "sub"
        assert config.access_expires == timedelta(minutes=15)
        assert config.refresh_expires == timedelta(days=30)
        assert config.csrf_request_methods == ["POST", "PUT", "PATCH", "DELETE"]
        assert config.jwt_in_headers is True and config.jwt_in_cookies is False
        assert config.exempt_methods == {"OPTIONS"}
        assert config.leeway == 0 and config.verify_sub is True and config.encode_nbf is True
        app.config.update(
            JWT_IDENTITY_CLAIM="user",
            JWT_ACCESS_TOKEN_EXPIRES=300,
            JWT_COOKIE_SAMESITE="Strict",
            JWT_ENCODE_ISSUER="erlen",
        )
        assert config.identity_claim_key == "user"
        assert config.access_expires == timedelta(minutes=5)
        assert config.cookie_samesite == "Strict"
        assert config.encode_issuer == "erlen"
        app.config["JWT_HEADER_NAME"] = ""
        with pytest.raises(RuntimeError, match="JWT_HEADER_NAME"):
            _ = config.header_name


@pytest.mark.parametrize(
    "locations",
    [["cookies", "json"], ("headers",), {"query_string"}, frozenset({"headers", "cookies"})],
)
def test_config_token_location_is_the_configured_collection(app: Erlen, locations: object) -> None:
    app.config["JWT_TOKEN_LOCATION"] = locations
    with app.app_context():
        assert config.token_location == locations
        assert type(config.token_location) is type(locations)
        app.config["JWT_TOKEN_LOCATION"] = "cookies"
        assert config.token_location == ("cookies",)
        assert config.jwt_in_cookies is True and config.jwt_in_headers is False


@pytest.mark.parametrize("bad", [[], "banana", 1, {"location": "headers"}, range(3)])
def test_config_token_location_refuses_unusable_values(app: Erlen, bad: object) -> None:
    app.config["JWT_TOKEN_LOCATION"] = bad
    with app.app_context(), pytest.raises(RuntimeError, match="JWT_TOKEN_LOCATION"):
        _ = config.token_location


def test_config_json_encoder_encodes_claims_like_the_apps_json(app: Erlen) -> None:
    with app.app_context():
        encoded = json.dumps({"d": date(2022, 8, 12)}, cls=config.json_encoder)
        token = create_access_token("ada", additional_claims={"d": date(2022, 8, 12)})
        claims = decode_token(token)
    assert encoded == '{"d": "Fri, 12 Aug 2022 00:00:00 GMT"}'
    assert claims["d"] == "Fri, 12 Aug 2022 00:00:00 GMT"
