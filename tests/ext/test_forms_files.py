"""erlen.ext.forms file fields: FileField, MultipleFileField, FileRequired,
FileAllowed, FileSize, uploads through CSRFProtect."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen
from erlen.ext.forms import (
    CSRFProtect,
    FileAllowed,
    FileField,
    FileRequired,
    FileSize,
    Form,
    InputRequired,
    MultipleFileField,
    Optional,
    StringField,
    file_allowed,
    file_required,
    file_size,
)
from erlen.http.datastructures import FileStorage
from erlen.testing import ErlenClient


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test secret key", WTF_CSRF_ENABLED=False)
    return app


def upload(content: bytes, filename: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(content), filename


class AvatarForm(Form):
    title = StringField()
    avatar = FileField(
        validators=[
            FileRequired(),
            FileAllowed(["png", "jpg"], "Images only!"),
            FileSize(max_size=10),
        ]
    )


@pytest.fixture
def avatar_app(app: Erlen, tmp_path: Path) -> Erlen:
    @app.route("/avatar", methods=["GET", "POST"])
    def avatar() -> Any:
        form = AvatarForm()
        if form.validate_on_submit():
            target = tmp_path / "saved.bin"
            form.avatar.data.save(target)
            return {
                "filename": form.avatar.data.filename,
                "title": form.title.data,
                "saved": target.read_bytes().decode(),
            }
        return {"errors": form.errors}, 422

    return app


def test_upload_is_saved(avatar_app: Erlen, client: ErlenClient) -> None:
    response = client.post("/avatar", data={"title": "me", "avatar": upload(b"PNGDATA", "Me.PNG")})
    assert response.status_code == 200
    assert response.json == {"filename": "Me.PNG", "title": "me", "saved": "PNGDATA"}


def test_missing_file(avatar_app: Erlen, client: ErlenClient) -> None:
    response = client.post("/avatar", data={"title": "me"})
    assert response.status_code == 422
    assert response.json == {"errors": {"avatar": ["This field is required."]}}


def test_empty_file_input_is_no_upload(avatar_app: Erlen, client: ErlenClient) -> None:
    # What a browser sends for an untouched <input type=file>: a part with an
    # empty filename.
    response = client.post("/avatar", data={"avatar": upload(b"", "")})
    assert response.json == {"errors": {"avatar": ["This field is required."]}}


def test_text_under_the_file_name_is_no_upload(avatar_app: Erlen, client: ErlenClient) -> None:
    response = client.post("/avatar", data={"avatar": "just text"})
    assert response.json == {"errors": {"avatar": ["This field is required."]}}


def test_wrong_extension(avatar_app: Erlen, client: ErlenClient) -> None:
    for name in ("evil.exe", "png", "image.png.exe", "noext"):
        response = client.post("/avatar", data={"avatar": upload(b"x", name)})
        assert response.json == {"errors": {"avatar": ["Images only!"]}}, name


def test_too_large(avatar_app: Erlen, client: ErlenClient) -> None:
    response = client.post("/avatar", data={"avatar": upload(b"x" * 11, "a.png")})
    assert response.json == {"errors": {"avatar": ["File must be between 0 and 10 bytes."]}}
    exactly = client.post("/avatar", data={"avatar": upload(b"x" * 10, "a.png")})
    assert exactly.status_code == 200
    # The size check rewinds: the whole file is saved afterwards.
    assert exactly.json["saved"] == "x" * 10


def test_default_messages(app: Erlen, client: ErlenClient) -> None:
    class Plain(Form):
        doc = FileField(validators=[FileAllowed(["pdf", ".TXT"]), FileSize(5, min_size=2)])

    @app.post("/doc")
    def doc() -> Any:
        form = Plain()
        form.validate()
        return form.errors

    assert client.post("/doc", data={"doc": upload(b"abc", "a.exe")}).json == {
        "doc": ["File does not have an approved extension: pdf, txt"]
    }
    assert client.post("/doc", data={"doc": upload(b"a", "a.pdf")}).json == {
        "doc": ["File must be between 2 and 5 bytes."]
    }
    # Extensions compare without case; no upload passes (no FileRequired).
    assert client.post("/doc", data={"doc": upload(b"abc", "A.TxT")}).json == {}
    assert client.post("/doc").json == {}


def test_file_required_renders_required(app: Erlen) -> None:
    with app.test_request_context("/"):
        form = AvatarForm()
        assert str(form.avatar) == '<input id="avatar" name="avatar" required type="file">'


def test_optional_and_input_required(app: Erlen, client: ErlenClient) -> None:
    class Choice(Form):
        maybe = FileField(validators=[Optional(), FileAllowed(["txt"])])
        needed = FileField(validators=[InputRequired()])

    @app.post("/c")
    def c() -> Any:
        form = Choice()
        form.validate()
        return form.errors

    # No upload counts as no input for Optional and InputRequired.
    assert client.post("/c", data={"maybe": upload(b"", "")}).json == {
        "needed": ["This field is required."]
    }
    assert client.post("/c", data={"needed": upload(b"x", "x.bin")}).json == {}


def test_multiple_files(app: Erlen, client: ErlenClient) -> None:
    class Gallery(Form):
        photos = MultipleFileField(
            validators=[FileRequired(), FileAllowed(["jpg"]), FileSize(max_size=4)]
        )

    @app.post("/gallery")
    def gallery() -> Any:
        form = Gallery()
        if form.validate_on_submit():
            return {"names": [f.filename for f in form.photos.data],
                    "bodies": [f.read().decode() for f in form.photos.data]}  # fmt: skip
        return {"errors": form.errors}, 422

    ok = client.post(
        "/gallery", data={"photos": [upload(b"one", "1.jpg"), upload(b"two", "2.jpg")]}
    )
    assert ok.status_code == 200
    assert ok.json == {"names": ["1.jpg", "2.jpg"], "bodies": ["one", "two"]}

    one_bad = client.post(
        "/gallery", data={"photos": [upload(b"one", "1.jpg"), upload(b"two", "2.gif")]}
    )
    assert one_bad.json == {"errors": {"photos": ["File does not have an approved extension: jpg"]}}
    too_big = client.post(
        "/gallery", data={"photos": [upload(b"one", "1.jpg"), upload(b"large", "2.jpg")]}
    )
    assert too_big.json == {"errors": {"photos": ["File must be between 0 and 4 bytes."]}}
    none = client.post("/gallery", data={"other": "x"})
    assert none.json == {"errors": {"photos": ["This field is required."]}}


def test_multiple_file_field_renders_multiple(app: Erlen) -> None:
    class Gallery(Form):
        photos = MultipleFileField()

    with app.test_request_context("/"):
        assert str(Gallery().photos) == '<input id="photos" multiple name="photos" type="file">'
        assert Gallery().photos.data is None


class UploadSet:
    """Flask-Uploads' interface: ``file_allowed(storage, basename)``."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def file_allowed(self, storage: FileStorage, basename: str) -> bool:
        self.seen.append((storage.filename or "", basename))
        return basename.endswith(".csv")


def test_file_allowed_with_an_upload_set(app: Erlen, client: ErlenClient) -> None:
    uploads = UploadSet()

    class Data(Form):
        sheet = FileField(validators=[FileAllowed(uploads)])

    @app.post("/d")
    def d() -> Any:
        form = Data()
        form.validate()
        return form.errors

    assert client.post("/d", data={"sheet": upload(b"a,b", "Data.CSV")}).json == {}
    assert client.post("/d", data={"sheet": upload(b"a,b", "data.xls")}).json == {
        "sheet": ["File does not have an approved extension."]
    }
    assert uploads.seen == [("Data.CSV", "data.csv"), ("data.xls", "data.xls")]


def test_file_allowed_single_string(app: Erlen) -> None:
    assert FileAllowed("png").upload_set == ["png"]


def test_file_size_arguments() -> None:
    with pytest.raises(ValueError, match="min_size"):
        FileSize(max_size=1, min_size=2)


def test_lowercase_aliases() -> None:
    assert file_required is FileRequired
    assert file_allowed is FileAllowed
    assert file_size is FileSize


def test_upload_with_csrf_protect_and_async_view(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    CSRFProtect(app)

    class Doc(Form):
        doc = FileField(validators=[FileRequired()])

    @app.route("/doc", methods=["GET", "POST"])
    async def doc() -> Any:
        form = Doc()
        if form.validate_on_submit():
            return {"name": form.doc.data.filename, "body": form.doc.data.read().decode()}
        return str(form.csrf_token)

    match = re.search(r'value="([^"]+)"', client.get("/doc").text)
    assert match is not None
    refused = client.post("/doc", data={"doc": upload(b"hello", "a.txt")})
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.text
    response = client.post(
        "/doc", data={"doc": upload(b"hello", "a.txt"), "csrf_token": match.group(1)}
    )
    assert response.json == {"name": "a.txt", "body": "hello"}


def test_size_of_an_unseekable_stream(app: Erlen) -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def tell(self) -> int:
            raise OSError("unseekable")

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    class One(Form):
        f = FileField(validators=[FileSize(max_size=100_000)])

    big = FileStorage(Unseekable(b"x" * 100_001), filename="a.bin")
    small = FileStorage(Unseekable(b"x" * 1000), filename="a.bin")
    from erlen.http.datastructures import MultiDict

    with app.test_request_context("/"):
        assert not One(formdata=MultiDict({"f": big})).validate()
        assert One(formdata=MultiDict({"f": small})).validate()
