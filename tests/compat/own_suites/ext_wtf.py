"""Flask-WTF's modules, as erlen.ext.forms (``-p flask_as_erlen``)."""

from __future__ import annotations

MODULES: dict[str, list[str]] = {
    "flask_wtf": ["erlen.ext.forms"],
    "flask_wtf.csrf": ["erlen.ext.forms.csrf"],
    "flask_wtf.file": ["erlen.ext.forms.file"],
    "flask_wtf.form": ["erlen.ext.forms.form"],
    "flask_wtf.i18n": ["erlen.ext.forms.i18n"],
}
