"""``Form``: a WTForms form bound to the current request, with a CSRF field.

::

    from erlen.ext.forms import Form, StringField, DataRequired

    class LoginForm(Form):
        username = StringField("Username", validators=[DataRequired()])

    @app.route("/login", methods=["GET", "POST"])
    def login():
        form = LoginForm()          # request.form, files or JSON on a submit
        if form.validate_on_submit():
            return f"Logged in as {form.username.data}"
        return render_template("login.html", form=form)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from markupsafe import Markup
from wtforms import Form as _WTForm
from wtforms.csrf.core import CSRF
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from erlen import BadRequest, current_app, g, has_request_context, request, session
from erlen.http.datastructures import CombinedMultiDict, ImmutableMultiDict

from .csrf import DEFAULT_TIME_LIMIT, validate_csrf
from .csrf import generate_csrf as _generate_csrf
from .i18n import request_translations

__all__ = ["SUBMIT_METHODS", "Form"]

logger = logging.getLogger("erlen.ext.forms.csrf")

#: The methods whose requests carry form data (``Form.is_submitted``).
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _Auto:
    """The default ``formdata``: take it from the current request."""

    def __repr__(self) -> str:
        return "<auto>"


_AUTO: Any = _Auto()


def _is_submitted() -> bool:
    return has_request_context() and request.method in SUBMIT_METHODS


def _request_formdata() -> Any:
    """The submitted data for a form: files and fields of a form body, or
    the object of a JSON body; None when nothing was submitted."""
    if not _is_submitted():
        return None
    if request.files:
        return CombinedMultiDict([request.files, request.form])
    if request.form:
        return request.form
    if request.is_json:
        data = request.get_json()
        if data is None:
            return None
        if not isinstance(data, dict):
            raise BadRequest(
                "A JSON body submitted to a form must be an object of field names"
                f" to values, not {type(data).__name__}."
            )
        return ImmutableMultiDict(data)
    return None


class _FormCSRF(CSRF):  # type: ignore[misc]
    """WTForms' CSRF hook: the token comes from :func:`generate_csrf` and
    is checked with :func:`validate_csrf`, with the form's ``Meta`` settings."""

    meta: Any

    def setup_form(self, form: Any) -> Any:
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        meta = self.meta
        return _generate_csrf(secret_key=meta.csrf_secret, token_key=meta.csrf_field_name)

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if g.get("csrf_valid", False) and "csrf" in current_app.extensions:
            # CSRFProtect checked this request already (maybe from a header).
            return
        meta = self.meta
        try:
            validate_csrf(
                field.data,
                secret_key=meta.csrf_secret,
                time_limit=meta.csrf_time_limit,
                token_key=meta.csrf_field_name,
            )
        except ValidationError as error:
            logger.info(error.args[0])
            raise


class Form(_WTForm):  # type: ignore[misc]
    """A WTForms form that reads the current request and carries a CSRF token.

    Created without ``formdata`` during a POST, PUT, PATCH or DELETE
    request, it is filled from ``request.files`` and ``request.form``, or
    from a JSON object body; otherwise from ``obj``/``data``/defaults. The
    ``csrf_token`` field is added while ``WTF_CSRF_ENABLED`` is true (the
    default); turn it off for one form with ``class Meta: csrf = False`` or
    ``Form(meta={"csrf": False})``.
    """

    class Meta(DefaultMeta):  # type: ignore[misc]
        """Defaults read from the app's config when a form is created."""

        csrf_class = _FormCSRF
        #: For WTForms' own ``SessionCSRF``, should a form choose it.
        csrf_context = session

        @cached_property
        def csrf(self) -> bool:
            return bool(current_app.config.get("WTF_CSRF_ENABLED", True))

        @cached_property
        def csrf_secret(self) -> Any:
            # app.secret_key: SECRET_KEY, or a subclass's class attribute.
            return current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key

        @cached_property
        def csrf_field_name(self) -> str:
            return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))

        @cached_property
        def csrf_time_limit(self) -> int | None:
            limit: int | None = current_app.config.get("WTF_CSRF_TIME_LIMIT", DEFAULT_TIME_LIMIT)
            return limit

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _AUTO:
                return _request_formdata()
            return super().wrap_formdata(form, formdata)

        def get_translations(self, form: Any) -> Any:
            if self.locales is not False or not current_app.config.get("WTF_I18N_ENABLED", True):
                # The form chose its locales (WTForms' own mechanism), or
                # translation is off.
                return super().get_translations(form)
            return request_translations()

    def __init__(self, formdata: Any = _AUTO, **kwargs: Any) -> None:
        super().__init__(formdata=formdata, **kwargs)

    def is_submitted(self) -> bool:
        """Whether the current request is a POST, PUT, PATCH or DELETE."""
        return _is_submitted()

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """:meth:`is_submitted` and :meth:`validate`: True when the form was
        submitted and every field (the CSRF token included) is valid."""
        return self.is_submitted() and bool(self.validate(extra_validators=extra_validators))

    def hidden_tag(self, *fields: Any) -> Markup:
        """The HTML of the form's hidden fields (the CSRF token among them),
        one per line; pass fields or field names to render only those."""
        chosen: Sequence[Any] = fields or tuple(self)
        rendered: list[Markup] = []
        for field in chosen:
            if isinstance(field, str):
                field = getattr(self, field, None)
            if field is None or not isinstance(getattr(field, "widget", None), HiddenInput):
                continue
            rendered.append(Markup(field()))
        return Markup("\n").join(rendered)


#: Flask-WTF's name for :class:`Form`, so ported code keeps working with
#: only its imports changed.
FlaskForm = Form
