"""erlen.ext.forms.Form: request binding, validate_on_submit, hidden_tag,
the CSRF field, i18n, and the notes' examples (§2.9.3, §2.10.3)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import wtforms.fields
import wtforms.validators

import erlen.ext.forms as forms
from erlen import Erlen, render_template, render_template_string, request, session
from erlen.ext.forms import (
    BooleanField,
    CSRFProtect,
    DataRequired,
    Form,
    HiddenField,
    IntegerField,
    Length,
    PasswordField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from erlen.testing import ErlenClient

TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token_in(html: str) -> str:
    match = TOKEN_RE.search(html)
    assert match is not None, html
    return match.group(1)


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__, template_folder="templates_forms")
    app.config.update(TESTING=True, SECRET_KEY="test secret key")
    return app


class NameForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=10)])


# -- the notes' examples --------------------------------------------------------


def notes_login_app() -> Erlen:
    # §2.9.3, imports changed (and the notes' typo ``__name___`` fixed).
    from erlen import Erlen, redirect, render_template, url_for  # noqa: F401
    from erlen.ext.forms import DataRequired, Form, PasswordField, StringField, SubmitField

    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "your-secret-key"

    class LoginForm(Form):
        username = StringField("Username", validators=[DataRequired()])
        password = PasswordField("Password", validators=[DataRequired()])
        submit = SubmitField("Login")

    @app.route("/login", methods=["GET", "POST"])
    def login():
        form = LoginForm()
        if form.validate_on_submit():
            return f"Logged in as {form.username.data}"
        return render_template("login.html", form=form)

    # The test's templates live in templates_forms/, not the default folder.
    app.template_folder = "templates_forms"
    return app


def test_notes_login_example(protocol: str) -> None:
    app = notes_login_app()
    client = app.test_client(asgi=protocol == "asgi")

    page = client.get("/login")
    assert page.status_code == 200
    assert re.search(
        r'<input id="csrf_token" name="csrf_token" type="hidden" value="[^"]+">', page.text
    )
    assert '<input id="username" name="username" required type="text" value="">' in page.text
    assert '<input id="password" name="password" required type="password" value="">' in page.text
    token = token_in(page.text)

    # Without CSRFProtect a missing token is a form error: the page again.
    missing = client.post("/login", data={"username": "alice", "password": "pw"})
    assert missing.status_code == 200
    assert "csrf_token: The CSRF token is missing." in missing.text
    assert "Logged in" not in missing.text

    incomplete = client.post("/login", data={"username": "alice", "csrf_token": token})
    assert incomplete.status_code == 200
    assert "password: This field is required." in incomplete.text
    # The submitted value is rendered back; the password never is.
    assert 'value="alice"' in incomplete.text

    ok = client.post("/login", data={"username": "alice", "password": "pw", "csrf_token": token})
    assert ok.status_code == 200
    assert ok.text == "Logged in as alice"


def notes_csrf_app() -> Erlen:
    # §2.10.3, imports changed.
    from erlen import Erlen, request, session  # noqa: F401
    from erlen.ext.forms import CSRFProtect

    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "your-secret-key"  # 必须设置密钥
    csrf = CSRFProtect(app)
    assert app.extensions["csrf"] is csrf
    return app


def test_notes_csrf_example(protocol: str) -> None:
    app = notes_csrf_app()

    class CommentForm(Form):
        comment = StringField("Comment")

    @app.route("/comment", methods=["GET", "POST"])
    def comment() -> str:
        form = CommentForm()
        if form.validate_on_submit():
            return f"saved: {form.comment.data}"
        # The notes' template: the token, the other fields, a submit button.
        return render_template_string(
            '<form method="POST">\n    {{ form.csrf_token }}\n'
            '    <input type="submit" value="Submit">\n</form>',
            form=form,
        )

    client = app.test_client(asgi=protocol == "asgi")
    page = client.get("/comment")
    assert page.status_code == 200
    token = token_in(page.text)

    refused = client.post("/comment", data={"comment": "hi"})
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.text
    assert "saved" not in refused.text

    accepted = client.post("/comment", data={"comment": "hi", "csrf_token": token})
    assert accepted.status_code == 200
    assert accepted.text == "saved: hi"


# -- binding the request ----------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_submit_methods_bind_the_form(app: Erlen, client: ErlenClient, method: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    @app.route("/f", methods=[method])
    def view() -> str:
        form = NameForm()
        return f"{form.is_submitted()} {form.validate_on_submit()} {form.name.data}"

    response = client.open("/f", method=method, data={"name": "ann"})
    assert response.text == "True True ann"


def test_get_is_not_a_submit(app: Erlen, client: ErlenClient) -> None:
    @app.route("/f")
    def view() -> str:
        form = NameForm()
        # Query arguments never fill a form: only submitted bodies do.
        return f"{form.is_submitted()} {form.validate_on_submit()} {form.name.data!r}"

    assert client.get("/f?name=ann").text == "False False None"


def test_json_body_binds_the_form(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class Profile(Form):
        name = StringField(validators=[DataRequired()])
        age = IntegerField()
        admin = BooleanField()
        tags = SelectMultipleField(choices=["a", "b", "c"])

    @app.post("/profile")
    def view() -> Any:
        form = Profile()
        if not form.validate_on_submit():
            return {"errors": form.errors}, 422
        return {"name": form.name.data, "age": form.age.data, "admin": form.admin.data,
                "tags": form.tags.data}  # fmt: skip

    response = client.post(
        "/profile", json={"name": "ann", "age": 41, "admin": True, "tags": ["a", "c"]}
    )
    assert response.status_code == 200
    assert response.json == {"name": "ann", "age": 41, "admin": True, "tags": ["a", "c"]}

    invalid = client.post("/profile", json={"age": 3})
    assert invalid.status_code == 422
    assert invalid.json == {"errors": {"name": ["This field is required."]}}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[1, 2]", "must be an object of field names to values, not list"),
        (b'"text"', "not str"),
    ],
)
def test_json_body_that_is_not_an_object_is_a_400(
    app: Erlen, client: ErlenClient, body: bytes, reason: str
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    called = []

    @app.post("/f")
    def view() -> str:
        called.append(1)
        NameForm()
        return "no"

    response = client.post("/f", data=body, content_type="application/json")
    assert response.status_code == 400
    assert reason in response.text
    assert called == [1]


def test_malformed_json_is_a_400(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    @app.post("/f")
    def view() -> str:
        NameForm()
        return "no"

    response = client.post("/f", data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.text != "no"


def test_empty_submit_validates_against_defaults(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    @app.post("/f")
    def view() -> Any:
        form = NameForm()
        return {"valid": form.validate_on_submit(), "errors": form.errors}

    assert client.post("/f").json == {
        "valid": False,
        "errors": {"name": ["This field is required."]},
    }


def test_explicit_formdata_obj_and_data(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class Obj:
        name = "from obj"

    @app.post("/f")
    def view() -> Any:
        return {
            # formdata=None: the request is not read, obj fills the form.
            "obj": NameForm(formdata=None, obj=Obj()).name.data,
            "data": NameForm(formdata=None, data={"name": "from data"}).name.data,
            "request": NameForm().name.data,
            "given": NameForm(formdata=forms_multidict({"name": "given"})).name.data,
        }

    assert client.post("/f", data={"name": "posted"}).json == {
        "obj": "from obj",
        "data": "from data",
        "request": "posted",
        "given": "given",
    }


def forms_multidict(values: dict[str, str]) -> Any:
    from erlen.http.datastructures import MultiDict

    return MultiDict(values)


def test_prefixed_forms_on_one_page(app: Erlen, client: ErlenClient) -> None:
    CSRFProtect(app)

    @app.route("/two", methods=["GET", "POST"])
    def two() -> Any:
        first = NameForm(prefix="first")
        second = NameForm(prefix="second")
        if request.method == "GET":
            return first.hidden_tag() + second.hidden_tag()
        return {"first": first.validate_on_submit(), "second": second.validate_on_submit(),
                "names": [first.name.data, second.name.data]}  # fmt: skip

    page = client.get("/two").text
    tokens = re.findall(r'name="(first|second)-csrf_token" type="hidden" value="([^"]+)"', page)
    assert [name for name, _ in tokens] == ["first", "second"]
    response = client.post(
        "/two",
        data={"first-name": "a", "first-csrf_token": tokens[0][1], "second-name": "b"},
    )
    # CSRFProtect found the prefixed token; the second form then trusts it.
    assert response.status_code == 200
    assert response.json == {"first": True, "second": True, "names": ["a", "b"]}


# -- hidden_tag and rendering --------------------------------------------------------


class HiddenForm(Form):
    visible = StringField()
    next_url = HiddenField(default="/home")
    kind = HiddenField(default="a&b")


def test_hidden_tag_renders_hidden_fields_only(app: Erlen, client: ErlenClient) -> None:
    @app.get("/h")
    def view() -> str:
        return render_template("hidden_tag.html", form=HiddenForm())

    html = client.get("/h").text
    token = token_in(html)
    assert html == (
        '<form method="POST">'
        '<input id="next_url" name="next_url" type="hidden" value="/home">\n'
        '<input id="kind" name="kind" type="hidden" value="a&amp;b">\n'
        f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">'
        "</form>"
    )
    assert "visible" not in html


def test_hidden_tag_with_chosen_fields(app: Erlen, client: ErlenClient) -> None:
    @app.get("/h")
    def view() -> str:
        form = HiddenForm()
        # Names and field objects; a visible field or an unknown name is skipped.
        return form.hidden_tag("kind", form.csrf_token, "visible", "nope")

    html = client.get("/h").text
    assert html == (
        '<input id="kind" name="kind" type="hidden" value="a&amp;b">\n'
        f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token_in(html)}">'
    )


def test_hidden_tag_is_markup(app: Erlen) -> None:
    with app.test_request_context("/"):
        tag = HiddenForm().hidden_tag()
        assert hasattr(tag, "__html__")
        # Markup is not escaped again by an autoescaping template.
        assert render_template_string("{{ t }}", t=tag) == str(tag)


# -- the CSRF field of a form -----------------------------------------------------------


def test_csrf_field_validates_token_of_this_session(app: Erlen, protocol: str) -> None:
    @app.route("/f", methods=["GET", "POST"])
    def view() -> Any:
        form = NameForm()
        if form.validate_on_submit():
            return "ok"
        return form.errors or str(form.csrf_token)

    alice = app.test_client(asgi=protocol == "asgi")
    mallory = app.test_client(asgi=protocol == "asgi")
    alice_token = token_in(alice.get("/f").text)
    mallory.get("/f")

    assert alice.post("/f", data={"name": "x", "csrf_token": alice_token}).text == "ok"
    # Mallory's own session has another raw token.
    assert mallory.post("/f", data={"name": "x", "csrf_token": alice_token}).json == {
        "csrf_token": ["The CSRF tokens do not match."]
    }
    assert alice.post("/f", data={"name": "x", "csrf_token": alice_token + "x"}).json == {
        "csrf_token": ["The CSRF token is invalid."]
    }
    # A session without a token gets one as the form is made, so a stolen
    # token does not match it either.
    fresh = app.test_client(asgi=protocol == "asgi")
    assert fresh.post("/f", data={"name": "x", "csrf_token": alice_token}).json == {
        "csrf_token": ["The CSRF tokens do not match."]
    }


def test_form_without_csrf(app: Erlen, client: ErlenClient) -> None:
    class NoCsrf(NameForm):
        class Meta:
            csrf = False

    @app.route("/f", methods=["GET", "POST"])
    def view() -> Any:
        a, b = NoCsrf(), NameForm(meta={"csrf": False})
        return {"fields": [list(a._fields), list(b._fields)],
                "valid": [a.validate_on_submit(), b.validate_on_submit()],
                "session": "csrf_token" in session}  # fmt: skip

    assert client.post("/f", data={"name": "n"}).json == {
        "fields": [["name"], ["name"]],
        "valid": [True, True],
        "session": False,
    }


def test_csrf_disabled_by_config(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    @app.post("/f")
    def view() -> Any:
        form = NameForm()
        return {"valid": form.validate_on_submit(), "has_token": "csrf_token" in form}

    assert client.post("/f", data={"name": "n"}).json == {"valid": True, "has_token": False}


def test_custom_field_name_and_secret(app: Erlen, client: ErlenClient) -> None:
    app.config.update(WTF_CSRF_FIELD_NAME="_token", WTF_CSRF_SECRET_KEY="csrf only")

    @app.route("/f", methods=["GET", "POST"])
    def view() -> Any:
        form = NameForm()
        if form.validate_on_submit():
            return "ok"
        return form.errors or form.hidden_tag()

    html = client.get("/f").text
    token = re.search(r'id="_token" name="_token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    assert client.post("/f", data={"name": "n", "_token": token.group(1)}).text == "ok"
    assert client.post("/f", data={"name": "n", "csrf_token": token.group(1)}).json == {
        "_token": ["The CSRF token is missing."]
    }


def test_meta_subclass_overrides(app: Erlen, client: ErlenClient) -> None:
    class Strict(NameForm):
        class Meta(Form.Meta):
            csrf_field_name = "my_token"

    @app.route("/f", methods=["GET", "POST"])
    def view() -> Any:
        form = Strict()
        if form.validate_on_submit():
            return "ok"
        return form.errors or form.hidden_tag()

    html = client.get("/f").text
    token = re.search(r'name="my_token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    assert client.post("/f", data={"name": "n", "my_token": token.group(1)}).text == "ok"


# -- async views ------------------------------------------------------------------------------


def test_form_in_async_view(app: Erlen, client: ErlenClient) -> None:
    @app.route("/f", methods=["GET", "POST"])
    async def view() -> Any:
        form = NameForm()
        if form.validate_on_submit():
            return f"hello {form.name.data}"
        return form.errors or form.hidden_tag()

    token = token_in(client.get("/f").text)
    assert client.post("/f", data={"name": "ann"}).json == {
        "csrf_token": ["The CSRF token is missing."]
    }
    assert client.post("/f", data={"name": "ann", "csrf_token": token}).text == "hello ann"
    assert client.post("/f", data={"name": "a" * 11, "csrf_token": token}).json == {
        "name": ["Field cannot be longer than 10 characters."]
    }


# -- i18n -----------------------------------------------------------------------------


@pytest.fixture
def errors_app(app: Erlen) -> Erlen:
    app.config["WTF_CSRF_ENABLED"] = False

    @app.post("/f")
    def view() -> Any:
        form = NameForm()
        form.validate_on_submit()
        return form.errors

    return app


@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        (None, "This field is required."),
        ("de-DE,de;q=0.9", "Dieses Feld wird benötigt."),
        ("fr", "Ce champ est requis."),
        # The first language with a catalog wins, English included.
        ("en-US,de;q=0.8", "This field is required."),
        ("xx,fr;q=0.5", "Ce champ est requis."),
        ("de;q=0.2,fr;q=0.9", "Ce champ est requis."),
        ("tlh", "This field is required."),
    ],
)
def test_messages_follow_accept_language(
    errors_app: Erlen, client: ErlenClient, accept_language: str | None, message: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    assert client.post("/f", headers=headers).json == {"name": [message]}


def test_i18n_disabled(errors_app: Erlen, client: ErlenClient) -> None:
    errors_app.config["WTF_I18N_ENABLED"] = False
    response = client.post("/f", headers={"Accept-Language": "de"})
    assert response.json == {"name": ["This field is required."]}


def test_form_locales_win_over_the_header(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class French(NameForm):
        class Meta:
            locales = ["fr"]

    @app.post("/f")
    def view() -> Any:
        form = French()
        form.validate()
        return form.errors

    assert client.post("/f", headers={"Accept-Language": "de"}).json == {
        "name": ["Ce champ est requis."]
    }


# -- re-exports ---------------------------------------------------------------------------


def test_every_wtforms_field_and_validator_is_reexported() -> None:
    for module in (wtforms.fields, wtforms.validators):
        names = getattr(module, "__all__", None) or [n for n in vars(module) if n[0] != "_"]
        for name in names:
            if name.startswith("_") or isinstance(getattr(module, name), type(wtforms)):
                continue
            assert name in forms.__all__, name
            if name in ("FileField", "MultipleFileField"):
                # The upload-aware subclasses replace WTForms' own.
                assert issubclass(getattr(forms, name), getattr(module, name))
                assert getattr(forms, name) is not getattr(module, name)
            else:
                assert getattr(forms, name) is getattr(module, name), name
    for name in forms.__all__:
        assert hasattr(forms, name), name
    assert forms.PasswordField is wtforms.fields.PasswordField
    assert forms.SubmitField is wtforms.fields.SubmitField
    assert forms.ValidationError is wtforms.validators.ValidationError


def test_form_outside_a_request_reads_no_data(app: Erlen) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        form = NameForm()
        assert form.is_submitted() is False
        assert form.validate_on_submit() is False
        assert form.name.data is None


def test_submit_field_alone_renders(app: Erlen) -> None:
    class OnlySubmit(Form):
        go = SubmitField("Go")
        secret = PasswordField()

    with app.test_request_context("/"):
        form = OnlySubmit()
        assert str(form.go) == '<input id="go" name="go" type="submit" value="Go">'
        assert form.hidden_tag().startswith('<input id="csrf_token"')


def test_flask_wtf_name_flaskform_works(app: Erlen, client: ErlenClient) -> None:
    """Code ported from Flask-WTF keeps ``FlaskForm``: the same class as Form,
    so validate_on_submit and the CSRF token behave the same."""
    from erlen.ext.forms import FlaskForm
    from erlen.ext.forms.form import FlaskForm as FlaskFormFromModule

    assert FlaskForm is Form is FlaskFormFromModule
    assert "FlaskForm" in forms.__all__

    class PortedForm(FlaskForm):  # type: ignore[valid-type,misc]
        name = StringField("Name", validators=[DataRequired()])

    @app.route("/ported", methods=["GET", "POST"])
    def ported() -> str:
        form = PortedForm()
        if form.validate_on_submit():
            return f"hello {form.name.data}"
        return render_template_string("{{ form.csrf_token }}{{ form.errors }}", form=form)

    page = client.get("/ported")
    token = token_in(page.text)
    missing = client.post("/ported", data={"name": "ann"})
    assert missing.status_code == 200
    assert "The CSRF token is missing." in missing.text
    done = client.post("/ported", data={"name": "ann", "csrf_token": token})
    assert (done.status_code, done.text) == (200, "hello ann")


def test_translations_object_as_flask_wtf_i18n(app: Erlen, client: ErlenClient) -> None:
    from erlen.ext.forms.i18n import translations

    one, many = (
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    )
    # Outside a request: the messages as given.
    assert translations.gettext("This field is required.") == "This field is required."
    assert translations.ngettext(one, many, 1) == one
    assert translations.ngettext(one, many, 2) == many

    @app.get("/t")
    def view() -> Any:
        return {"required": translations.gettext("This field is required.")}

    assert client.get("/t", headers={"Accept-Language": "de"}).json == {
        "required": "Dieses Feld wird benötigt."
    }
    app.config["WTF_I18N_ENABLED"] = False
    assert client.get("/t", headers={"Accept-Language": "de"}).json == {
        "required": "This field is required."
    }
