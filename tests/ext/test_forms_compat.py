"""erlen.ext.forms next to the real Flask-WTF: the same HTML, messages and
defaults. Tokens need not be interchangeable, but they are: a token rendered
by Flask-WTF validates in erlen for the same session raw token and key."""

from __future__ import annotations

import re
from typing import Any

import pytest

flask = pytest.importorskip("flask")
flask_wtf = pytest.importorskip("flask_wtf")
flask_wtf_csrf = pytest.importorskip("flask_wtf.csrf")
flask_wtf_file = pytest.importorskip("flask_wtf.file")

import erlen.ext.forms as forms  # noqa: E402
from erlen import Erlen  # noqa: E402
from erlen import session as erlen_session  # noqa: E402

SECRET = "shared secret"
TOKEN_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+(")')


def fields(base: type) -> type:
    """The same form declared on both bases."""

    class Sample(base):  # type: ignore[valid-type,misc]
        name = forms.StringField("Name", validators=[forms.DataRequired()])
        next_url = forms.HiddenField(default="/next")
        agree = forms.BooleanField()

    return Sample


def flask_app() -> Any:
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY=SECRET, TESTING=True)
    return app


def erlen_app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=SECRET, TESTING=True)
    return app


def masked(html: str) -> str:
    return TOKEN_VALUE.sub(r"\1TOKEN\2", str(html))


def test_hidden_tag_html_is_the_same() -> None:
    with flask_app().test_request_context("/"):
        theirs = fields(flask_wtf.FlaskForm)()
        their_tag, their_token = str(theirs.hidden_tag()), str(theirs.csrf_token)
    with erlen_app().test_request_context("/"):
        ours = fields(forms.Form)()
        our_tag, our_token = str(ours.hidden_tag()), str(ours.csrf_token)
    assert masked(our_tag) == masked(their_tag)
    assert masked(our_tag) == (
        '<input id="next_url" name="next_url" type="hidden" value="/next">\n'
        '<input id="csrf_token" name="csrf_token" type="hidden" value="TOKEN">'
    )
    assert masked(our_token) == masked(their_token)
    assert (
        masked(our_token) == '<input id="csrf_token" name="csrf_token" type="hidden" value="TOKEN">'
    )


def test_csrf_meta_tag_html_is_the_same() -> None:
    with flask_app().test_request_context("/"):
        theirs = str(flask_wtf_csrf.csrf_meta_tag())
    with erlen_app().test_request_context("/"):
        ours = str(forms.csrf_meta_tag())
    meta = re.compile(r'content="[^"]+"')
    assert meta.sub('content="T"', ours) == meta.sub('content="T"', theirs)
    assert meta.sub('content="T"', ours) == '<meta name="csrf-token" content="T">'


def test_token_shape_is_the_same() -> None:
    with flask_app().test_request_context("/"):
        theirs = flask_wtf_csrf.generate_csrf()
    with erlen_app().test_request_context("/"):
        ours = forms.generate_csrf()
    shape = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
    assert shape.fullmatch(theirs)
    assert shape.fullmatch(ours)
    assert len(ours) == len(theirs)


def test_flask_wtf_token_validates_for_the_same_raw_token() -> None:
    # A migrated app: the session (read from the Flask cookie) keeps its raw
    # token, so forms rendered by the Flask app before the switch still post.
    with flask_app().test_request_context("/"):
        their_token = flask_wtf_csrf.generate_csrf()
        raw = flask.session["csrf_token"]
    with erlen_app().test_request_context("/"):
        erlen_session["csrf_token"] = raw
        assert forms.validate_csrf(their_token) is None
        our_token = forms.generate_csrf()
    with flask_app().test_request_context("/"):
        flask.session["csrf_token"] = raw
        assert flask_wtf_csrf.validate_csrf(our_token) is None


def failure_messages(module: Any, session: Any, app: Any) -> list[str]:
    messages = []
    with app.test_request_context("/"):
        for data in (None, "abc"):
            try:
                module.validate_csrf(data)
            except forms.ValidationError as error:
                messages.append(error.args[0])
        token = module.generate_csrf()
        for data in (token + "x",):
            try:
                module.validate_csrf(data)
            except forms.ValidationError as error:
                messages.append(error.args[0])
        session["csrf_token"] = "0" * 40
        try:
            module.validate_csrf(token)
        except forms.ValidationError as error:
            messages.append(error.args[0])
    return messages


def test_failure_messages_are_the_same() -> None:
    theirs = failure_messages(flask_wtf_csrf, flask.session, flask_app())
    ours = failure_messages(forms, erlen_session, erlen_app())
    assert ours == theirs
    assert ours == [
        "The CSRF token is missing.",
        "The CSRF session token is missing.",
        "The CSRF token is invalid.",
        "The CSRF tokens do not match.",
    ]


def test_csrf_error_is_the_same() -> None:
    theirs, ours = flask_wtf_csrf.CSRFError, forms.CSRFError
    assert ours.code == theirs.code == 400
    assert ours.description == theirs.description
    assert ours("why").description == theirs("why").description == "why"


def test_init_app_defaults_are_the_same() -> None:
    theirs = flask_app()
    flask_wtf_csrf.CSRFProtect(theirs)
    ours = erlen_app()
    forms.CSRFProtect(ours)
    for key in (
        "WTF_CSRF_ENABLED",
        "WTF_CSRF_CHECK_DEFAULT",
        "WTF_CSRF_FIELD_NAME",
        "WTF_CSRF_TIME_LIMIT",
        "WTF_CSRF_SSL_STRICT",
        "WTF_CSRF_META_NAME",
        "WTF_CSRF_METHODS",
    ):
        assert ours.config[key] == theirs.config[key], key
    assert list(ours.config["WTF_CSRF_HEADERS"]) == list(theirs.config["WTF_CSRF_HEADERS"])


def test_public_names_of_flask_wtf_exist() -> None:
    for name in ("CSRFProtect", "CSRFError", "generate_csrf", "validate_csrf", "csrf_meta_tag"):
        assert hasattr(flask_wtf_csrf, name)
        assert hasattr(forms, name)
    for name in ("FileField", "MultipleFileField", "FileRequired", "FileAllowed", "FileSize",
                 "file_required", "file_allowed", "file_size"):  # fmt: skip
        assert hasattr(flask_wtf_file, name)
        assert hasattr(forms, name), name
    for name in ("is_submitted", "validate_on_submit", "hidden_tag"):
        assert callable(getattr(flask_wtf.FlaskForm, name))
        assert callable(getattr(forms.Form, name))


def run_post(app: Any, form_base: type, data: dict[str, Any], **client_options: Any) -> Any:
    form_class = fields(form_base)
    results: dict[str, Any] = {}

    def view() -> str:
        form = form_class()
        results["valid"] = form.validate_on_submit()
        results["errors"] = form.errors
        return "done"

    app.config["WTF_CSRF_ENABLED"] = False
    app.add_url_rule("/f", "f", view, methods=["POST"])
    assert app.test_client(**client_options).post("/f", data=data).status_code == 200
    return results


@pytest.mark.parametrize(
    "data", [{}, {"name": "ann"}, {"name": "", "agree": "y"}, {"name": "ann", "agree": "y"}]
)
def test_validation_results_are_the_same(data: dict[str, Any], protocol: str) -> None:
    theirs = run_post(flask_app(), flask_wtf.FlaskForm, data)
    ours = run_post(erlen_app(), forms.Form, data, asgi=protocol == "asgi")
    assert ours == theirs
