"""The showcase's forms: WTForms through ``erlen.ext.forms`` (Flask-WTF's
API, the brief's §2.9.3), each with a CSRF token."""

from __future__ import annotations

from erlen.ext.forms import (
    BooleanField,
    DataRequired,
    Form,
    Length,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)

from .models import MAX_MESSAGE


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(Form):
    """The brief's login form, plus "remember me"."""

    username = StringField("Username", validators=[DataRequired()], filters=[strip])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")
    submit = SubmitField("Log in")


class GuestbookForm(Form):
    """One guestbook message."""

    message = TextAreaField(
        "Your message",
        validators=[
            DataRequired("Write a message first."),
            Length(max=MAX_MESSAGE, message=f"Keep it under {MAX_MESSAGE} characters."),
        ],
        filters=[strip],
    )
    submit = SubmitField("Sign")
