"""erlen.ext.forms: WTForms forms bound to the request, and CSRF protection
(Flask-WTF's role).

``Form`` is Flask-WTF's ``FlaskForm``; ``CSRFProtect``, ``CSRFError``,
``generate_csrf``, ``validate_csrf`` and ``csrf_meta_tag`` are
``flask_wtf.csrf``'s; the file
fields and validators are ``flask_wtf.file``'s. Every field of
``wtforms.fields`` and validator of ``wtforms.validators`` is importable from
here too, so one import line serves a whole form::

    from erlen.ext.forms import Form, StringField, PasswordField, SubmitField, DataRequired

Needs WTForms (``pip install erlen[forms]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import wtforms.fields as _wtforms_fields
import wtforms.validators as _wtforms_validators

# WTForms' fields, as of WTForms 3.1 (the oldest release erlen supports).
# FileField and MultipleFileField are replaced by the upload-aware ones below.
from wtforms.fields import BooleanField as BooleanField
from wtforms.fields import ColorField as ColorField
from wtforms.fields import DateField as DateField
from wtforms.fields import DateTimeField as DateTimeField
from wtforms.fields import DateTimeLocalField as DateTimeLocalField
from wtforms.fields import DecimalField as DecimalField
from wtforms.fields import DecimalRangeField as DecimalRangeField
from wtforms.fields import EmailField as EmailField
from wtforms.fields import Field as Field
from wtforms.fields import FieldList as FieldList
from wtforms.fields import Flags as Flags
from wtforms.fields import FloatField as FloatField
from wtforms.fields import FormField as FormField
from wtforms.fields import HiddenField as HiddenField
from wtforms.fields import IntegerField as IntegerField
from wtforms.fields import IntegerRangeField as IntegerRangeField
from wtforms.fields import Label as Label
from wtforms.fields import MonthField as MonthField
from wtforms.fields import PasswordField as PasswordField
from wtforms.fields import RadioField as RadioField
from wtforms.fields import SearchField as SearchField
from wtforms.fields import SelectField as SelectField
from wtforms.fields import SelectFieldBase as SelectFieldBase
from wtforms.fields import SelectMultipleField as SelectMultipleField
from wtforms.fields import StringField as StringField
from wtforms.fields import SubmitField as SubmitField
from wtforms.fields import TelField as TelField
from wtforms.fields import TextAreaField as TextAreaField
from wtforms.fields import TimeField as TimeField
from wtforms.fields import URLField as URLField
from wtforms.fields import WeekField as WeekField

# WTForms' validators, as of WTForms 3.1.
from wtforms.validators import URL as URL
from wtforms.validators import UUID as UUID
from wtforms.validators import AnyOf as AnyOf
from wtforms.validators import DataRequired as DataRequired
from wtforms.validators import Disabled as Disabled
from wtforms.validators import Email as Email
from wtforms.validators import EqualTo as EqualTo
from wtforms.validators import InputRequired as InputRequired
from wtforms.validators import IPAddress as IPAddress
from wtforms.validators import Length as Length
from wtforms.validators import MacAddress as MacAddress
from wtforms.validators import NoneOf as NoneOf
from wtforms.validators import NumberRange as NumberRange
from wtforms.validators import Optional as Optional
from wtforms.validators import ReadOnly as ReadOnly
from wtforms.validators import Regexp as Regexp
from wtforms.validators import StopValidation as StopValidation
from wtforms.validators import ValidationError as ValidationError
from wtforms.validators import any_of as any_of
from wtforms.validators import data_required as data_required
from wtforms.validators import disabled as disabled
from wtforms.validators import email as email
from wtforms.validators import equal_to as equal_to
from wtforms.validators import input_required as input_required
from wtforms.validators import ip_address as ip_address
from wtforms.validators import length as length
from wtforms.validators import mac_address as mac_address
from wtforms.validators import none_of as none_of
from wtforms.validators import number_range as number_range
from wtforms.validators import optional as optional
from wtforms.validators import readonly as readonly
from wtforms.validators import regexp as regexp
from wtforms.validators import url as url

from .csrf import CSRFError as CSRFError
from .csrf import CSRFProtect as CSRFProtect
from .csrf import csrf_meta_tag as csrf_meta_tag
from .csrf import generate_csrf as generate_csrf
from .csrf import validate_csrf as validate_csrf
from .file import FileAllowed as FileAllowed
from .file import FileField as FileField
from .file import FileRequired as FileRequired
from .file import FileSize as FileSize
from .file import MultipleFileField as MultipleFileField
from .file import file_allowed as file_allowed
from .file import file_required as file_required
from .file import file_size as file_size
from .form import FlaskForm as FlaskForm
from .form import Form as Form

if TYPE_CHECKING:
    # Added after WTForms 3.1; present at runtime when the installed WTForms
    # has them (the loop below).
    from wtforms.fields import ButtonField as ButtonField
    from wtforms.fields import Choice as Choice
    from wtforms.fields import SelectChoice as SelectChoice
    from wtforms.fields import enum_choices as enum_choices
    from wtforms.fields import enum_coerce as enum_coerce
    from wtforms.validators import DateRange as DateRange
    from wtforms.validators import date_range as date_range

_OURS = frozenset({"FileField", "MultipleFileField"})


def _public_names(module: object) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    return [
        name
        for name in names
        if not name.startswith("_") and not isinstance(getattr(module, name), type(_wtforms_fields))
    ]


# Whatever a newer WTForms adds to its fields and validators is re-exported
# as well, so "every field and validator" stays true across upgrades.
_namespace = globals()
for _module in (_wtforms_fields, _wtforms_validators):
    for _name in _public_names(_module):
        if _name not in _namespace and _name not in _OURS:
            _namespace[_name] = getattr(_module, _name)

__all__ = sorted(
    {
        "CSRFError",
        "CSRFProtect",
        "FileAllowed",
        "FileField",
        "FileRequired",
        "FileSize",
        "FlaskForm",
        "Form",
        "csrf_meta_tag",
        "MultipleFileField",
        "file_allowed",
        "file_required",
        "file_size",
        "generate_csrf",
        "validate_csrf",
        *_public_names(_wtforms_fields),
        *_public_names(_wtforms_validators),
    }
)
