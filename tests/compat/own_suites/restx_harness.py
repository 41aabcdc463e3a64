"""Pytest plugin for Flask-RESTX's own suite (``-p restx_harness``): the
fixtures its source distribution does not ship.

The 1.3.2 sdist (and 1.3.0, 1.2.0) has ``tests/test_*.py`` but not the
``tests/conftest.py`` they rely on, and its ``requirements/test.pip`` names
pytest-flask, whose fixtures they use too. Installing pytest-flask would load
it into every suite run in the environment (it registers itself), so this
plugin gives the suite what both provide, written here from what the tests
ask for:

- ``app``: a fresh app whose test client has ``get_json``, ``post_json``
  and ``get_specs`` (a JSON body, its status and content type checked;
  ``get_json`` rejects an object with a repeated key);
- ``api``: an ``Api`` on a blueprint ``api`` registered on ``app``, with
  the ``@pytest.mark.api(prefix=..., subdomain=..., **api_options)`` options;
- ``client``: ``app.test_client()``; ``mock_app``: a mocked app;
- ``@pytest.mark.options(name=value)``: ``app.config["NAME"] = value``;
- every test that uses ``app`` runs inside ``app.test_request_context()``,
  and ``@pytest.mark.request_context(*args, **kwargs)`` pushes one more
  with those arguments.

``import flask`` happens in the fixtures: this plugin loads after
``erlen_flask_patch`` on erlen and with the real Flask on the original.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    for marker in (
        "api(**options): options of the `api` fixture",
        "options(**config): app.config values (upper-cased keys)",
        "request_context(*args, **kwargs): a test request context to push",
    ):
        config.addinivalue_line("markers", marker)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the JSON object repeats the key {key!r}")
        found[key] = value
    return found


def _client_class() -> type:
    from flask.testing import FlaskClient

    class JSONClient(FlaskClient):
        def _json(self, response: Any, status: int, **loads: Any) -> Any:
            assert response.status_code == status
            assert response.content_type == "application/json"
            return json.loads(response.get_data(as_text=True), **loads)

        def get_json(self, url: str, status: int = 200, **kwargs: Any) -> Any:
            response = self.get(url, **kwargs)
            return self._json(response, status, object_pairs_hook=_unique_keys)

        def post_json(self, url: str, data: Any, status: int = 200, **kwargs: Any) -> Any:
            headers = {"content-type": "application/json"}
            response = self.post(url, data=json.dumps(data), headers=headers)
            return self._json(response, status)

        def get_specs(self, prefix: str = "", status: int = 200, **kwargs: Any) -> Any:
            return self.get_json(f"{prefix}/swagger.json", status=status, **kwargs)

    return JSONClient


@pytest.fixture
def app(request: pytest.FixtureRequest) -> Iterator[Any]:
    from flask import Flask

    application = Flask(__name__)
    application.test_client_class = _client_class()
    for marker in request.node.iter_markers("options"):
        for key, value in marker.kwargs.items():
            application.config[key.upper()] = value
    yield application


@pytest.fixture
def api(request: pytest.FixtureRequest, app: Any) -> Iterator[Any]:
    import flask_restx
    from flask import Blueprint

    marker = request.node.get_closest_marker("api")
    options = dict(marker.kwargs) if marker else {}
    blueprint_options = {
        key: options.pop(option)
        for option, key in (("prefix", "url_prefix"), ("subdomain", "subdomain"))
        if option in options
    }
    blueprint = Blueprint("api", __name__, **blueprint_options)
    rest_api = flask_restx.Api(blueprint, **options)
    app.register_blueprint(blueprint)
    yield rest_api


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def mock_app(mocker: Any) -> Any:
    import flask_restx
    from flask import Flask

    mocked = mocker.Mock(Flask)
    # A mock has no loggers for the Api to set up.
    mocker.patch.object(flask_restx.Api, "_configure_namespace_logger")
    mocked.view_functions = {}
    mocked.extensions = {}
    mocked.config = {}
    return mocked


@pytest.fixture(autouse=True)
def _request_contexts(request: pytest.FixtureRequest) -> Iterator[None]:
    uses_app = "app" in request.fixturenames
    marker = request.node.get_closest_marker("request_context")
    if not uses_app and marker is None:
        yield
        return
    app = request.getfixturevalue("app")
    contexts = [app.test_request_context()] if uses_app else []
    if marker is not None:
        contexts.append(app.test_request_context(*marker.args, **marker.kwargs))
    for context in contexts:
        context.push()
    yield
    for context in reversed(contexts):
        context.pop()
