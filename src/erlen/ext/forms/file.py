"""File upload fields and their validators.

::

    class AvatarForm(Form):
        avatar = FileField(validators=[
            FileRequired(),
            FileAllowed(["png", "jpg"], "Images only!"),
            FileSize(max_size=2 * 1024 * 1024),
        ])

``form.avatar.data`` is the uploaded :class:`~erlen.http.datastructures.FileStorage`
(``.filename``, ``.save(path)``); with :class:`MultipleFileField` it is a list.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from wtforms import FileField as _WTFileField
from wtforms import MultipleFileField as _WTMultipleFileField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from erlen.http.datastructures import FileStorage

__all__ = [
    "FileAllowed",
    "FileField",
    "FileRequired",
    "FileSize",
    "MultipleFileField",
    "file_allowed",
    "file_required",
    "file_size",
]


def _uploads(valuelist: Iterable[Any]) -> list[FileStorage]:
    # A browser sends an empty part (no filename) for an untouched file
    # input, and a form body may carry plain text under the field's name:
    # neither is an upload.
    return [value for value in valuelist if isinstance(value, FileStorage) and value]


class FileField(_WTFileField):  # type: ignore[misc]
    """A file input whose ``data`` is the uploaded ``FileStorage``, or None
    when no file was sent."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        uploads = _uploads(valuelist)
        if uploads:
            self.data = uploads[0]
        else:
            # No upload counts as no input, for InputRequired and Optional.
            self.raw_data = ()


class MultipleFileField(_WTMultipleFileField):  # type: ignore[misc]
    """A file input with ``multiple``; ``data`` is the list of uploaded
    ``FileStorage`` objects, or None when no file was sent."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        uploads = _uploads(valuelist)
        if uploads:
            self.data = uploads
        else:
            self.raw_data = ()


def _files_of(field: Any) -> list[Any]:
    data = field.data
    return list(data) if isinstance(data, list) else [data]


def _has_upload(field: Any) -> bool:
    files = _files_of(field)
    return bool(files) and all(isinstance(f, FileStorage) and f for f in files)


class FileRequired(DataRequired):  # type: ignore[misc]
    """Stop validation with an error unless a file was uploaded (every item,
    for a :class:`MultipleFileField`). Renders the ``required`` attribute."""

    def __call__(self, form: Any, field: Any) -> None:
        if not _has_upload(field):
            raise StopValidation(self.message or field.gettext("This field is required."))


class FileAllowed:
    """Stop validation with an error when an uploaded file's name does not
    end with one of the allowed extensions (``["jpg", "png"]``, compared
    without case). ``upload_set`` may also be an object with a
    ``file_allowed(storage, basename)`` method (Flask-Uploads' ``UploadSet``).
    Without an upload it passes: pair it with :class:`FileRequired`."""

    def __init__(self, upload_set: Any, message: str | None = None) -> None:
        if isinstance(upload_set, str):
            upload_set = [upload_set]
        self.upload_set = upload_set
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if not _has_upload(field):
            return
        for storage in _files_of(field):
            filename = (storage.filename or "").lower()
            if isinstance(self.upload_set, Iterable):
                extensions = [str(ext).lower().lstrip(".") for ext in self.upload_set]
                if any(filename.endswith("." + ext) for ext in extensions):
                    continue
                raise StopValidation(
                    self.message
                    or field.gettext(
                        "File does not have an approved extension: {extensions}"
                    ).format(extensions=", ".join(extensions))
                )
            if not self.upload_set.file_allowed(storage, filename):
                raise StopValidation(
                    self.message or field.gettext("File does not have an approved extension.")
                )


def _size_of(storage: FileStorage) -> int:
    stream = storage.stream
    try:
        start = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(start)
        return int(end - start)
    except (AttributeError, OSError, ValueError):
        pass
    # PERF: an unseekable stream is counted in chunks, not read into one
    # bytes object (an upload may be far larger than memory should hold).
    size = 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
    return size


class FileSize:
    """Fail validation when an uploaded file is larger than ``max_size`` or
    smaller than ``min_size`` bytes. Without an upload it passes."""

    def __init__(self, max_size: int, min_size: int = 0, message: str | None = None) -> None:
        if min_size > max_size:
            raise ValueError(f"min_size ({min_size}) is larger than max_size ({max_size}).")
        self.min_size = min_size
        self.max_size = max_size
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if not _has_upload(field):
            return
        for storage in _files_of(field):
            if not self.min_size <= _size_of(storage) <= self.max_size:
                raise ValidationError(
                    self.message
                    or field.gettext(
                        "File must be between {min_size} and {max_size} bytes."
                    ).format(min_size=self.min_size, max_size=self.max_size)
                )


file_required = FileRequired
file_allowed = FileAllowed
file_size = FileSize
