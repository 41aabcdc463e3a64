"""erlen.http.utils: secure_filename and safe_join."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen.http.utils import safe_join, secure_filename

# secure_filename


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "windows_system32_cmd.exe"),
        ("C:\\Users\\me\\photo.jpg", "C_Users_me_photo.jpg"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("Ünïcödé.txt", "Unicode.txt"),
        (".bashrc", "bashrc"),
        ("...hidden..", "hidden"),
        ("__init__.py", "init__.py"),
        ("  spaces  around .txt ", "spaces_around_.txt"),
        ("tab\tand\nnewline.txt", "tab_and_newline.txt"),
        ("a;b|c&d$e`f'g\"h.sh", "abcdefgh.sh"),
        ("ﬁle.txt", "file.txt"),  # NFKD turns the ligature into "fi"
        ("report-2024_v1.final.PDF", "report-2024_v1.final.PDF"),
        ("nul\x00byte.txt", "nulbyte.txt"),
    ],
)
def test_secure_filename(name: str, expected: str) -> None:
    assert secure_filename(name) == expected


@pytest.mark.parametrize("name", ["", "..", "../..", "/", "\\", "文件", "____", ". . .", "\x00"])
def test_secure_filename_can_be_empty(name: str) -> None:
    assert secure_filename(name) == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("NUL", "_NUL"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("aux.c", "_aux.c"),
        ("PRN.log", "_PRN.log"),
        ("COM1.txt", "_COM1.txt"),
        ("lpt9", "_lpt9"),
        ("COM¹.txt", "_COM1.txt"),  # superscript digit normalises to a device name
        ("CONSOLE.txt", "CONSOLE.txt"),
        ("COM10.txt", "COM10.txt"),
        ("my_con.txt", "my_con.txt"),
    ],
)
def test_secure_filename_windows_devices(name: str, expected: str) -> None:
    assert secure_filename(name) == expected


def test_secure_filename_long_name_keeps_extension() -> None:
    name = "a" * 400 + ".tar"
    result = secure_filename(name)
    assert len(result) == 255
    assert result.endswith("a.tar")
    assert secure_filename("b" * 300) == "b" * 255
    assert secure_filename("x" * 50 + ".txt", max_length=20) == "x" * 16 + ".txt"


@given(st.text())
def test_secure_filename_is_always_safe(name: str) -> None:
    result = secure_filename(name)
    assert result.isascii()
    assert "/" not in result
    assert "\\" not in result
    assert not result.startswith(".")
    assert result not in {".", ".."}
    assert all(c.isalnum() or c in "_.-" for c in result)
    assert len(result) <= 255
    assert secure_filename(result) == result


# safe_join


def test_safe_join_simple() -> None:
    assert safe_join("/srv/static", "css", "site.css") == "/srv/static/css/site.css"
    assert safe_join("/srv/static", "css/site.css") == "/srv/static/css/site.css"
    assert safe_join("/srv/static") == "/srv/static"


def test_safe_join_normalises() -> None:
    assert safe_join("/srv", "a//b/./c") == "/srv/a/b/c"
    assert safe_join("/srv", "./a") == "/srv/a"
    assert safe_join("/srv", ".") == "/srv"
    assert safe_join("/srv", "a/") == "/srv/a"


def test_safe_join_ignores_empty_parts() -> None:
    assert safe_join("/srv", "", "a", "") == "/srv/a"


def test_safe_join_empty_directory_is_current() -> None:
    assert safe_join("", "a.txt") == "./a.txt"


@pytest.mark.parametrize(
    "path",
    [
        "..",
        "../secret",
        "a/../../secret",
        "a/../b",  # stays inside, but any ".." segment is refused
        "a/..",
        "/etc/passwd",
        "//etc/passwd",
        "a\\..\\..\\secret",
        "..\\secret",
        "a\\b",
        "C:secret",
        "C:/Windows",
        "c:\\windows",
        "a\x00.txt",
        "\x00",
    ],
)
def test_safe_join_refuses(path: str) -> None:
    assert safe_join("/srv/static", path) is None


def test_safe_join_refuses_in_any_position() -> None:
    assert safe_join("/srv", "ok", "../x") is None
    assert safe_join("/srv", "ok", "/abs") is None


def test_safe_join_allows_dots_inside_names() -> None:
    assert safe_join("/srv", "a..b/..c/d..") == "/srv/a..b/..c/d.."
    assert safe_join("/srv", "...") == "/srv/..."


@given(st.lists(st.text(alphabet="ab./\\:\x00C", max_size=8), max_size=4))
def test_safe_join_never_escapes(paths: list[str]) -> None:
    result = safe_join("/srv/root", *paths)
    if result is None:
        return
    assert "\\" not in result
    assert "\x00" not in result
    normal = posixpath.normpath(result)
    assert normal == "/srv/root" or normal.startswith("/srv/root/")
    assert ".." not in result.split("/")
