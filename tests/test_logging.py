"""erlen.logging: app.logger, default_handler and wsgi_errors_stream."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import uuid
from collections.abc import Iterator

import pytest

from erlen import Erlen
from erlen.logging import create_logger, default_handler, has_level_handler, wsgi_errors_stream


@contextlib.contextmanager
def nothing_configured() -> Iterator[None]:
    """Run the block with a handler-less root logger: "nothing is configured".

    pytest attaches its capture handlers to the root logger when each test
    phase starts (after fixtures), so this is used inside the test body and
    restores the very same list object before pytest detaches its handlers.
    """
    saved = logging.root.handlers[:]
    logging.root.handlers.clear()
    try:
        yield
    finally:
        logging.root.handlers[:] = saved


class StandIn:
    def __init__(self, debug: bool = False) -> None:
        self.name = f"erlen_test_{uuid.uuid4().hex}"
        self.debug = debug


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    app = StandIn()
    yield app
    logger = logging.getLogger(app.name)
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)


def test_logger_is_named_after_the_app(stand_in: StandIn) -> None:
    logger = create_logger(stand_in)
    assert logger is logging.getLogger(stand_in.name)
    assert logger.name == stand_in.name


def test_default_handler_added_when_nothing_handles_the_level(stand_in: StandIn) -> None:
    with nothing_configured():
        logger = create_logger(stand_in)
    assert logger.handlers == [default_handler]
    assert logger.level == logging.NOTSET


def test_default_handler_added_only_once(stand_in: StandIn) -> None:
    with nothing_configured():
        create_logger(stand_in)
        logger = create_logger(stand_in)
    assert logger.handlers == [default_handler]


def test_debug_sets_debug_level_when_unset() -> None:
    app = StandIn(debug=True)
    logger = create_logger(app)
    try:
        assert logger.level == logging.DEBUG
    finally:
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)


def test_no_debug_leaves_the_level_unset(stand_in: StandIn) -> None:
    assert create_logger(stand_in).level == logging.NOTSET


def test_debug_keeps_a_level_set_by_the_user() -> None:
    app = StandIn(debug=True)
    logger = logging.getLogger(app.name)
    logger.setLevel(logging.ERROR)
    try:
        assert create_logger(app).level == logging.ERROR
    finally:
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)


def test_no_default_handler_when_root_handles_the_level(stand_in: StandIn) -> None:
    with nothing_configured():
        logging.root.addHandler(logging.StreamHandler(io.StringIO()))
        logger = create_logger(stand_in)
    assert logger.handlers == []


def test_default_handler_added_when_root_handler_is_too_strict(stand_in: StandIn) -> None:
    strict = logging.StreamHandler(io.StringIO())
    strict.setLevel(logging.CRITICAL)
    with nothing_configured():
        logging.root.addHandler(strict)
        logger = create_logger(stand_in)
    assert logger.handlers == [default_handler]


def test_has_level_handler_walks_the_hierarchy() -> None:
    base = f"erlen_test_{uuid.uuid4().hex}"
    parent = logging.getLogger(base)
    child = logging.getLogger(f"{base}.child")
    try:
        with nothing_configured():
            assert has_level_handler(child) is False
            handler = logging.StreamHandler(io.StringIO())
            handler.setLevel(logging.INFO)
            parent.addHandler(handler)
            # The child's effective level is the root's WARNING: INFO <= WARNING shows it.
            assert has_level_handler(child) is True
            child.setLevel(logging.DEBUG)
            assert has_level_handler(child) is False
            child.setLevel(logging.INFO)
            assert has_level_handler(child) is True
            parent.propagate = False
            assert has_level_handler(child) is True
            child.propagate = False
            assert has_level_handler(child) is False
    finally:
        parent.handlers.clear()
        parent.propagate = child.propagate = True
        child.setLevel(logging.NOTSET)


def test_default_handler_format() -> None:
    record = logging.LogRecord(
        "app", logging.ERROR, "/src/myapp/views.py", 10, "boom %s", ("now",), None
    )
    text = default_handler.format(record)
    assert text.startswith("[")
    assert text.endswith("] ERROR in views: boom now")
    formatter = default_handler.formatter
    assert formatter is not None
    assert formatter._fmt == "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"


def test_stream_is_stderr_outside_a_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert wsgi_errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]
    wsgi_errors_stream.write("to stderr\n")
    assert capsys.readouterr().err == "to stderr\n"


def test_stream_is_wsgi_errors_inside_a_request() -> None:
    app = Erlen(__name__)
    errors = io.StringIO()
    with app.test_request_context(errors_stream=errors):
        assert wsgi_errors_stream._get_current_object() is errors  # type: ignore[attr-defined]
    with app.app_context():
        assert wsgi_errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]


def test_app_logger_writes_to_the_request_error_stream() -> None:
    app = Erlen(f"erlen_test_{uuid.uuid4().hex}")
    with nothing_configured():
        logger = app.logger
    try:
        assert logger.handlers == [default_handler]

        @app.route("/")
        def index() -> str:
            app.logger.warning("careful: %d", 42)
            return "ok"

        errors = io.StringIO()
        rv = app.test_client().get("/", errors_stream=errors)
        assert rv.data == b"ok"
        assert errors.getvalue().endswith(" WARNING in test_logging: careful: 42\n")
    finally:
        logger.handlers.clear()


def test_unhandled_exception_is_logged_to_the_request_error_stream() -> None:
    app = Erlen(f"erlen_test_{uuid.uuid4().hex}")
    with nothing_configured():
        logger = app.logger
    try:

        @app.route("/")
        def index() -> str:
            raise ValueError("kaboom")

        errors = io.StringIO()
        rv = app.test_client().get("/", errors_stream=errors)
        assert rv.status_code == 500
        text = errors.getvalue()
        assert " ERROR in " in text
        assert "ValueError: kaboom" in text
    finally:
        logger.handlers.clear()


def test_logger_is_usable_outside_requests(capsys: pytest.CaptureFixture[str]) -> None:
    app = Erlen(f"erlen_test_{uuid.uuid4().hex}")
    with nothing_configured():
        logger = app.logger
    try:
        logger.error("outside")
        assert capsys.readouterr().err.endswith(" ERROR in test_logging: outside\n")
    finally:
        logger.handlers.clear()
