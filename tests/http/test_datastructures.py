"""Tests for erlen.http.datastructures."""

from __future__ import annotations

import copy
import io
import json
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen.http.datastructures import (
    Accept,
    Authorization,
    CharsetAccept,
    CombinedMultiDict,
    ContentRange,
    ETags,
    FileStorage,
    Headers,
    HeaderSet,
    IfRange,
    ImmutableDict,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
    ResponseCacheControl,
    UserAgent,
    WWWAuthenticate,
    iter_multi_items,
)
from erlen.http.exceptions import BadRequest, BadRequestKeyError

# --------------------------------------------------------------------------
# MultiDict
# --------------------------------------------------------------------------


class TestMultiDict:
    def test_constructors(self) -> None:
        pairs = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
        assert list(pairs.items(multi=True)) == [("a", "1"), ("a", "3"), ("b", "2")]
        from_dict = MultiDict({"a": ["1", "3"], "b": "2", "empty": []})
        assert from_dict.to_dict(flat=False) == {"a": ["1", "3"], "b": ["2"]}
        assert "empty" not in from_dict
        copied = MultiDict(pairs)
        copied.add("a", "4")
        assert pairs.getlist("a") == ["1", "3"]
        assert MultiDict().to_dict() == {}
        assert MultiDict(None) == MultiDict()

    def test_getitem_first_value_and_missing_key_is_400(self) -> None:
        md = MultiDict([("a", "1"), ("a", "2")])
        assert md["a"] == "1"
        with pytest.raises(BadRequestKeyError) as info:
            md["missing"]
        assert isinstance(info.value, KeyError)
        assert isinstance(info.value, BadRequest)
        assert info.value.code == 400

    def test_get_with_type_and_default(self) -> None:
        md = MultiDict([("page", "3"), ("bad", "x"), ("page", "4")])
        assert md.get("page") == "3"
        assert md.get("page", type=int) == 3
        assert md.get("bad", type=int) is None
        assert md.get("bad", 7, type=int) == 7
        assert md.get("missing", "d") == "d"
        assert md.get("missing", type=int) is None

        def boom(value: str) -> int:
            raise TypeError(value)

        assert md.get("page", -1, type=boom) == -1

    def test_getlist_with_type_skips_failures(self) -> None:
        md = MultiDict([("n", "1"), ("n", "x"), ("n", "3")])
        assert md.getlist("n") == ["1", "x", "3"]
        assert md.getlist("n", type=int) == [1, 3]
        assert md.getlist("missing") == []
        md.getlist("n").append("mutating a copy")
        assert md.getlist("n") == ["1", "x", "3"]

    def test_items_lists_values(self) -> None:
        md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
        assert list(md.items()) == [("a", "1"), ("b", "2")]
        assert list(md.items(multi=True)) == [("a", "1"), ("a", "3"), ("b", "2")]
        assert list(md.lists()) == [("a", ["1", "3"]), ("b", ["2"])]
        assert list(md.values()) == ["1", "2"]
        assert list(md.listvalues()) == [["1", "3"], ["2"]]
        assert list(md) == ["a", "b"]
        assert list(md.keys()) == ["a", "b"]
        assert len(md) == 2
        assert "a" in md and "z" not in md

    def test_to_dict(self) -> None:
        md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
        assert md.to_dict() == {"a": "1", "b": "3"}
        assert md.to_dict(flat=True) == {"a": "1", "b": "3"}
        assert md.to_dict(flat=False) == {"a": ["1", "2"], "b": ["3"]}

    def test_dict_protocols_see_first_values(self) -> None:
        md = MultiDict([("a", "1"), ("a", "2")])
        assert isinstance(md, dict)
        assert dict(md) == {"a": "1"}
        assert {**md} == {"a": "1"}
        assert json.dumps(md) == '{"a": "1"}'

    def test_setters(self) -> None:
        md: MultiDict[str, str] = MultiDict()
        md["a"] = "1"
        md.add("a", "2")
        assert md.getlist("a") == ["1", "2"]
        md["a"] = "3"
        assert md.getlist("a") == ["3"]
        md.setlist("b", ["x", "y"])
        assert md.getlist("b") == ["x", "y"]
        assert md.setdefault("b", "z") == "x"
        assert md.setdefault("c", "z") == "z"
        assert md.getlist("c") == ["z"]
        live = md.setlistdefault("d", ["1"])
        live.append("2")
        assert md.getlist("d") == ["1", "2"]
        assert md.setlistdefault("d") is live

    def test_empty_list_key_behaves_as_missing(self) -> None:
        md: MultiDict[str, str] = MultiDict()
        md.setlist("a", [])
        assert "a" in md
        assert md.get("a", "d") == "d"
        with pytest.raises(KeyError):
            md["a"]
        assert list(md.items()) == []
        assert list(md.values()) == []

    def test_update_adds(self) -> None:
        md = MultiDict([("a", "1")])
        md.update({"a": "2", "b": ["3", "4"]})
        md.update([("a", "5")])
        md.update(MultiDict([("c", "6"), ("c", "7")]))
        md.update(None)
        assert list(md.items(multi=True)) == [
            ("a", "1"),
            ("a", "2"),
            ("a", "5"),
            ("b", "3"),
            ("b", "4"),
            ("c", "6"),
            ("c", "7"),
        ]

    def test_or_operators(self) -> None:
        md = MultiDict([("a", "1")])
        merged = md | {"a": "2"}
        assert merged.getlist("a") == ["1", "2"]
        assert md.getlist("a") == ["1"]
        md |= {"b": "3"}
        assert md.to_dict() == {"a": "1", "b": "3"}

    def test_pop_family(self) -> None:
        md = MultiDict([("a", "1"), ("a", "2"), ("b", "3"), ("c", "4")])
        assert md.pop("a") == "1"
        assert "a" not in md
        assert md.pop("missing", "d") == "d"
        with pytest.raises(BadRequestKeyError):
            md.pop("missing")
        assert md.poplist("b") == ["3"]
        assert md.poplist("missing") == []
        assert md.popitem() == ("c", "4")
        with pytest.raises(BadRequestKeyError):
            md.popitem()
        md2 = MultiDict([("x", "1"), ("x", "2")])
        assert md2.popitemlist() == ("x", ["1", "2"])
        with pytest.raises(KeyError):
            md2.popitemlist()

    def test_copy_deepcopy_pickle_keep_all_values(self) -> None:
        md = MultiDict([("a", ["x"]), ("a", ["y"])])
        shallow = md.copy()
        assert shallow is not md and shallow == md
        assert shallow["a"] is md["a"]
        deep = md.deepcopy()
        assert deep == md and deep["a"] is not md["a"]
        assert copy.copy(md) == md
        assert copy.deepcopy(md)["a"] is not md["a"]
        restored = pickle.loads(pickle.dumps(md))
        assert type(restored) is MultiDict
        assert list(restored.items(multi=True)) == [("a", ["x"]), ("a", ["y"])]

    def test_equality_and_repr(self) -> None:
        assert MultiDict([("a", "1"), ("a", "2")]) == MultiDict({"a": ["1", "2"]})
        assert MultiDict([("a", "1"), ("a", "2")]) != MultiDict({"a": ["2", "1"]})
        assert repr(MultiDict([("a", "1"), ("a", "2")])) == "MultiDict([('a', '1'), ('a', '2')])"

    def test_fromkeys(self) -> None:
        md = MultiDict.fromkeys(["a", "b"], "v")
        assert type(md) is MultiDict
        assert list(md.items(multi=True)) == [("a", "v"), ("b", "v")]

    def test_empty_and_duplicate_keys(self) -> None:
        md = MultiDict([("", "x"), ("", "y"), ("k", "")])
        assert md.getlist("") == ["x", "y"]
        assert md["k"] == ""
        assert md.get("k", "default") == ""


class TestImmutableMultiDict:
    def test_read_api_and_hash(self) -> None:
        imd = ImmutableMultiDict([("a", "1"), ("a", "2")])
        assert imd["a"] == "1"
        assert imd.getlist("a") == ["1", "2"]
        assert hash(imd) == hash(ImmutableMultiDict([("a", "1"), ("a", "2")]))
        assert {imd: 1}[ImmutableMultiDict([("a", "1"), ("a", "2")])] == 1

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda d: d.__setitem__("a", "x"),
            lambda d: d.__delitem__("a"),
            lambda d: d.add("a", "x"),
            lambda d: d.setlist("a", ["x"]),
            lambda d: d.setdefault("z", "x"),
            lambda d: d.setlistdefault("z"),
            lambda d: d.update({"a": "x"}),
            lambda d: d.pop("a"),
            lambda d: d.popitem(),
            lambda d: d.poplist("a"),
            lambda d: d.popitemlist(),
            lambda d: d.clear(),
        ],
    )
    def test_mutators_raise_type_error(self, mutate: object) -> None:
        imd = ImmutableMultiDict([("a", "1")])
        with pytest.raises(TypeError, match="immutable"):
            mutate(imd)  # type: ignore[operator]
        assert imd.getlist("a") == ["1"]

    def test_ior_raises(self) -> None:
        imd = ImmutableMultiDict([("a", "1")])
        with pytest.raises(TypeError):
            imd |= {"b": "2"}

    def test_copy_is_mutable(self) -> None:
        imd = ImmutableMultiDict([("a", "1")])
        mutable = imd.copy()
        assert type(mutable) is MultiDict
        mutable.add("a", "2")
        assert imd.getlist("a") == ["1"]
        assert copy.copy(imd) is imd
        assert type(pickle.loads(pickle.dumps(imd))) is ImmutableMultiDict


class TestCombinedMultiDict:
    def make(self) -> CombinedMultiDict[str, str]:
        args = MultiDict([("a", "1"), ("b", "x")])
        form = MultiDict([("a", "2"), ("c", "3")])
        return CombinedMultiDict([args, form])

    def test_lookup_order(self) -> None:
        cmd = self.make()
        assert cmd["a"] == "1"
        assert cmd["c"] == "3"
        assert cmd.getlist("a") == ["1", "2"]
        assert cmd.get("b", type=int) is None
        assert cmd.get("a", type=int) == 1
        assert cmd.get("missing", "d") == "d"
        with pytest.raises(BadRequestKeyError):
            cmd["missing"]

    def test_get_type_falls_through_to_next_dict(self) -> None:
        cmd = CombinedMultiDict([MultiDict([("n", "x")]), MultiDict([("n", "5")])])
        assert cmd.get("n", type=int) == 5

    def test_views(self) -> None:
        cmd = self.make()
        assert list(cmd) == ["a", "b", "c"]
        assert list(cmd.keys()) == ["a", "b", "c"]
        assert len(cmd) == 3
        assert "c" in cmd and "z" not in cmd
        assert list(cmd.items()) == [("a", "1"), ("b", "x"), ("c", "3")]
        assert list(cmd.items(multi=True)) == [("a", "1"), ("a", "2"), ("b", "x"), ("c", "3")]
        assert list(cmd.values()) == ["1", "x", "3"]
        assert list(cmd.lists()) == [("a", ["1", "2"]), ("b", ["x"]), ("c", ["3"])]
        assert cmd.to_dict() == {"a": "1", "b": "x", "c": "3"}
        assert dict(cmd) == {"a": "1", "b": "x", "c": "3"}
        assert bool(cmd) and not CombinedMultiDict([MultiDict()])

    def test_read_only_and_copy(self) -> None:
        cmd = self.make()
        with pytest.raises(TypeError):
            cmd["a"] = "x"
        with pytest.raises(TypeError):
            cmd.add("a", "x")
        assert MultiDict(cmd).getlist("a") == ["1", "2"]
        assert ImmutableMultiDict(cmd).to_dict(flat=False) == cmd.to_dict(flat=False)
        assert copy.deepcopy(cmd).getlist("a") == ["1", "2"]
        copied = cmd.copy()
        assert type(copied) is MultiDict
        assert copied.getlist("a") == ["1", "2"]
        assert pickle.loads(pickle.dumps(cmd)).getlist("a") == ["1", "2"]


class TestImmutableDict:
    def test_read_only(self) -> None:
        d = ImmutableDict({"a": 1})
        assert d["a"] == 1
        with pytest.raises(TypeError):
            d["b"] = 2
        with pytest.raises(TypeError):
            d.update(b=2)
        with pytest.raises(TypeError):
            d.pop("a")
        assert d == {"a": 1}
        assert hash(d) == hash(ImmutableDict({"a": 1}))
        assert type(d.copy()) is dict
        assert repr(d) == "ImmutableDict({'a': 1})"


def test_iter_multi_items() -> None:
    assert list(iter_multi_items(MultiDict([("a", "1"), ("a", "2")]))) == [
        ("a", "1"),
        ("a", "2"),
    ]
    assert list(iter_multi_items({"a": ["1", "2"], "b": "3"})) == [
        ("a", "1"),
        ("a", "2"),
        ("b", "3"),
    ]
    assert list(iter_multi_items([("x", "y")])) == [("x", "y")]


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------


class TestHeaders:
    def test_case_insensitive_ordered_multi(self) -> None:
        h = Headers([("Content-Type", "text/html"), ("Set-Cookie", "a=1")])
        h.add("set-cookie", "b=2")
        assert h["content-type"] == "text/html"
        assert h["CONTENT-TYPE"] == "text/html"
        assert h.getlist("Set-Cookie") == ["a=1", "b=2"]
        assert list(h) == [
            ("Content-Type", "text/html"),
            ("Set-Cookie", "a=1"),
            ("set-cookie", "b=2"),
        ]
        assert len(h) == 3
        assert "SET-COOKIE" in h and "X" not in h and 1 not in h

    def test_missing_header_is_400_key_error(self) -> None:
        with pytest.raises(BadRequestKeyError):
            Headers()["X-Missing"]

    def test_defaults_forms(self) -> None:
        assert Headers({"A": "1", "B": ["2", "3"]}).to_wsgi_list() == [
            ("A", "1"),
            ("B", "2"),
            ("B", "3"),
        ]
        original = Headers([("A", "1")])
        copied = Headers(original)
        copied.add("B", "2")
        assert original.to_wsgi_list() == [("A", "1")]
        assert Headers([("N", 5)])["N"] == "5"

    def test_get_type(self) -> None:
        h = Headers([("Content-Length", "42"), ("X-Bad", "abc")])
        assert h.get("content-length", type=int) == 42
        assert h.get("x-bad", type=int) is None
        assert h.get("x-bad", -1, type=int) == -1
        assert h.get("missing") is None
        assert h.get("missing", "d") == "d"
        h.add("X-N", "1")
        h.add("x-n", "nope")
        h.add("X-N", "3")
        assert h.getlist("x-n", type=int) == [1, 3]

    def test_set_replaces_in_place(self) -> None:
        h = Headers([("A", "1"), ("X", "a"), ("B", "2"), ("x", "b")])
        h.set("X", "new")
        assert h.to_wsgi_list() == [("A", "1"), ("X", "new"), ("B", "2")]
        h.set("C", "3")
        assert h.to_wsgi_list()[-1] == ("C", "3")
        h["a"] = 9
        assert h.to_wsgi_list()[0] == ("a", "9")

    def test_params_are_quoted_and_rfc2231_for_non_ascii(self) -> None:
        h = Headers()
        h.add("Content-Type", "text/plain", charset="utf-8")
        h.add("Content-Disposition", "attachment", filename="my file.txt")
        h.set("X-Opt", "v", some_key="a;b", skipped=None)
        h.add("Content-Disposition", "inline", filename="résumé.pdf")
        assert h.getlist("Content-Disposition") == [
            'attachment; filename="my file.txt"',
            "inline; filename=resume.pdf; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        ]
        assert h["Content-Type"] == "text/plain; charset=utf-8"
        assert h["X-Opt"] == 'v; some-key="a;b"'

    @pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\r\nSet-Cookie: x=1", "nul\0"])
    def test_header_injection_refused(self, bad: str) -> None:
        h = Headers()
        for action in (
            lambda: h.add("X", bad),
            lambda: h.set("X", bad),
            lambda: h.__setitem__("X", bad),
            lambda: h.add(bad, "v"),
            lambda: h.setdefault("X", bad),
            lambda: h.extend({"X": bad}),
            lambda: h.update({"X": [bad]}),
            lambda: h.add("X", "ok", param=bad),
            lambda: Headers([("X", bad)]),
        ):
            with pytest.raises(ValueError, match="CR, LF or NUL"):
                action()
        assert h.to_wsgi_list() == []

    def test_setdefault_and_setlist(self) -> None:
        h = Headers([("A", "1")])
        assert h.setdefault("a", "2") == "1"
        assert h.setdefault("B", 2) == "2"
        h.setlist("C", ["x", "y"])
        assert h.getlist("c") == ["x", "y"]
        h.add("D", "after")
        h.setlist("c", ["z"])
        assert h.to_wsgi_list() == [("A", "1"), ("B", "2"), ("c", "z"), ("D", "after")]
        h.setlist("c", [])
        assert "c" not in h
        assert h.setlistdefault("E", ["1", "2"]) == ["1", "2"]
        assert h.setlistdefault("E", ["3"]) == ["1", "2"]

    def test_extend_and_update(self) -> None:
        h = Headers([("A", "1"), ("B", "1")])
        h.extend({"A": "2"}, C="3")
        assert h.getlist("A") == ["1", "2"]
        assert h["C"] == "3"
        h.update({"A": "x", "B": ["y", "z"]})
        assert h.getlist("A") == ["x"]
        assert h.getlist("B") == ["y", "z"]
        h.update([("D", "1"), ("d", "2")])
        assert h.getlist("D") == ["1", "2"]
        h.update(Headers([("A", "from-headers")]))
        assert h.getlist("a") == ["from-headers"]
        with pytest.raises(TypeError):
            h.extend({}, {})

    def test_or_operators(self) -> None:
        h = Headers([("A", "1")])
        merged = h | {"A": "2", "B": "3"}
        assert merged.to_wsgi_list() == [("A", "2"), ("B", "3")]
        assert h.to_wsgi_list() == [("A", "1")]
        h |= {"C": "4"}
        assert h["C"] == "4"

    def test_remove_pop_delete(self) -> None:
        h = Headers([("A", "1"), ("B", "2"), ("a", "3"), ("C", "4")])
        assert h.pop("a") == "1"
        assert "A" not in h
        assert h.pop("missing", None) is None
        with pytest.raises(BadRequestKeyError):
            h.pop("missing")
        assert h.pop() == ("C", "4")
        assert h.pop(0) == ("B", "2")
        h.add("X", "1")
        h.remove("x")
        h.remove("never-there")
        del h["also-missing"]
        assert len(h) == 0
        h.add("Y", "1")
        assert h.popitem() == ("Y", "1")

    def test_index_and_slice_access(self) -> None:
        h = Headers([("A", "1"), ("B", "2"), ("C", "3")])
        assert h[1] == ("B", "2")
        sliced = h[1:]
        assert isinstance(sliced, Headers)
        assert sliced.to_wsgi_list() == [("B", "2"), ("C", "3")]
        h[0] = ("Z", "9")
        assert h[0] == ("Z", "9")
        with pytest.raises(ValueError):
            h[0] = ("Z", "bad\n")
        del h[0]
        assert h.to_wsgi_list() == [("B", "2"), ("C", "3")]

    def test_views_and_str(self) -> None:
        h = Headers([("A", "1"), ("B", "2")])
        assert list(h.keys()) == ["A", "B"]
        assert list(h.keys(lower=True)) == ["a", "b"]
        assert list(h.values()) == ["1", "2"]
        assert list(h.items(lower=True)) == [("a", "1"), ("b", "2")]
        assert str(h) == "A: 1\r\nB: 2\r\n\r\n"
        assert repr(h) == "Headers([('A', '1'), ('B', '2')])"

    def test_equality_and_copy(self) -> None:
        h = Headers([("A", "1"), ("B", "2")])
        assert h == Headers([("b", "2"), ("a", "1")])
        assert h != Headers([("A", "1")])
        assert h != [("A", "1"), ("B", "2")]
        copied = h.copy()
        copied.add("C", "3")
        assert "C" not in h
        assert copy.copy(h) == h

    def test_to_wsgi_list_is_a_copy(self) -> None:
        h = Headers([("A", "1")])
        out = h.to_wsgi_list()
        out.append(("Evil", "x"))
        assert h.to_wsgi_list() == [("A", "1")]

    def test_clear_and_bool(self) -> None:
        h = Headers([("A", "1")])
        assert h
        h.clear()
        assert not h


_SPLITTERS = st.sampled_from(["\r", "\n", "\0"])


@given(st.text(), _SPLITTERS, st.text())
def test_headers_refuse_any_splitting_value(prefix: str, bad: str, suffix: str) -> None:
    value = prefix + bad + suffix
    h = Headers()
    with pytest.raises(ValueError):
        h.add("X-Test", value)
    with pytest.raises(ValueError):
        h.set("X-Test", value)
    with pytest.raises(ValueError):
        h.add(value, "v")
    with pytest.raises(ValueError):
        h[value] = "v"
    assert h.to_wsgi_list() == []


_SAFE_TEXT = st.text(st.characters(blacklist_characters="\r\n\0", codec="utf-8"))


@given(_SAFE_TEXT.filter(bool), _SAFE_TEXT)
def test_headers_round_trip_any_safe_value(name: str, value: str) -> None:
    h = Headers()
    h.add(name, value)
    h.add("Other", "x")
    h.set(name, value)
    assert h.to_wsgi_list()[0] == (name, value)
    assert h.get(name) == value
    assert Headers(h.to_wsgi_list()).to_wsgi_list() == h.to_wsgi_list()


# --------------------------------------------------------------------------
# FileStorage
# --------------------------------------------------------------------------


class TestFileStorage:
    def test_attributes(self) -> None:
        fs = FileStorage(
            io.BytesIO(b"hello"),
            filename="a.txt",
            name="upload",
            content_type="Text/Plain; charset=UTF-8",
            content_length=5,
        )
        assert fs.filename == "a.txt"
        assert fs.name == "upload"
        assert fs.content_type == "Text/Plain; charset=UTF-8"
        assert fs.mimetype == "text/plain"
        assert fs.mimetype_params == {"charset": "UTF-8"}
        assert fs.content_length == 5
        assert fs.headers["Content-Length"] == "5"
        assert bool(fs)
        assert fs.read(2) == b"he"
        assert fs.read() == b"llo"
        assert repr(fs) == "<FileStorage: 'a.txt' ('Text/Plain; charset=UTF-8')>"

    def test_defaults(self) -> None:
        fs = FileStorage()
        assert fs.filename is None
        assert not fs
        assert fs.content_type is None
        assert fs.mimetype == ""
        assert fs.content_length == 0
        assert fs.read() == b""
        fs.headers["Content-Length"] = "junk"
        assert fs.content_length == 0

    def test_filename_from_stream_name(self) -> None:
        stream = io.BytesIO(b"x")
        stream.name = "/tmp/report.csv"
        assert FileStorage(stream).filename == "/tmp/report.csv"
        pseudo = io.BytesIO(b"x")
        pseudo.name = "<stdin>"
        assert FileStorage(pseudo).filename is None

    def test_save_to_path_and_file(self, tmp_path: Path) -> None:
        data = b"0123456789" * 5000
        target = tmp_path / "out.bin"
        FileStorage(io.BytesIO(data), filename="x").save(target, buffer_size=1000)
        assert target.read_bytes() == data
        FileStorage(io.BytesIO(data), filename="x").save(str(target))
        assert target.read_bytes() == data
        buffer = io.BytesIO()
        FileStorage(io.BytesIO(b"abc")).save(buffer)
        assert buffer.getvalue() == b"abc"
        assert not buffer.closed

    def test_iter_getattr_close(self) -> None:
        fs = FileStorage(io.BytesIO(b"line1\nline2\n"))
        assert list(fs) == [b"line1\n", b"line2\n"]
        fs.seek(0)
        assert fs.tell() == 0
        fs.close()
        assert fs.stream.closed
        with pytest.raises(AttributeError):
            fs.no_such_attribute  # noqa: B018

    def test_non_ascii_filename_kept(self) -> None:
        fs = FileStorage(io.BytesIO(b""), filename="отчёт 2024.pdf")
        assert fs.filename == "отчёт 2024.pdf"


# --------------------------------------------------------------------------
# Accept
# --------------------------------------------------------------------------


class TestAccept:
    def test_plain_accept(self) -> None:
        accept = Accept([("gzip", 1), ("br", 0.5), ("*", 0.1)])
        assert accept["gzip"] == 1
        assert accept["br"] == 0.5
        assert accept["deflate"] == 0.1
        assert accept.quality("anything") == 0.1
        assert accept[0] == ("gzip", 1)
        assert "deflate" in accept
        assert list(accept.values()) == ["gzip", "br", "*"]
        assert accept.index("br") == 1
        assert accept.find("zzz") == 2  # "*" matches everything
        assert accept.best == "gzip"
        assert accept.provided
        assert accept.to_header() == "gzip,br;q=0.5,*;q=0.1"
        assert str(accept) == accept.to_header()

    def test_not_provided(self) -> None:
        accept = Accept(None)
        assert not accept.provided
        assert len(accept) == 0
        assert accept.best is None
        assert accept.best_match(["x"]) is None
        assert accept.best_match(["x"], default="d") == "d"

    def test_q_zero_is_not_acceptable(self) -> None:
        accept = MIMEAccept([("application/json", 0), ("*/*", 0.5)])
        assert "application/json" not in accept
        assert accept["application/json"] == 0
        assert accept.best_match(["application/json"]) is None
        assert accept.best_match(["application/json", "text/html"]) == "text/html"
        assert not accept.accept_json

    def test_mime_specificity(self) -> None:
        accept = MIMEAccept(
            [("text/*", 0.5), ("*/*", 0.1), ("text/html", 1), ("text/html;level=1", 0.2)]
        )
        assert list(accept.values()) == ["text/html;level=1", "text/html", "text/*", "*/*"]
        assert accept.quality("text/html") == 1
        assert accept.quality("text/html;level=1") == 0.2
        assert accept.quality("text/plain") == 0.5
        assert accept.quality("image/png") == 0.1
        assert accept.best_match(["image/png", "text/plain"]) == "text/plain"
        assert accept.best_match(["text/plain", "text/html"]) == "text/html"
        assert accept.accept_html

    def test_mime_tie_keeps_server_order(self) -> None:
        accept = MIMEAccept([("*/*", 1)])
        assert accept.best_match(["application/json", "text/html"]) == "application/json"
        assert accept.best_match(["text/html", "application/json"]) == "text/html"

    def test_mime_tie_prefers_more_specific_client_entry(self) -> None:
        accept = MIMEAccept([("text/*", 1), ("application/json", 1)])
        assert accept.best_match(["text/html", "application/json"]) == "application/json"

    def test_mime_invalid_values(self) -> None:
        accept = MIMEAccept([("bogus", 1), ("text/html", 0.5)])
        assert accept.best_match(["text/html"]) == "text/html"
        with pytest.raises(ValueError):
            accept.quality("not-a-mimetype")

    def test_mime_flags(self) -> None:
        assert MIMEAccept([("application/xhtml+xml", 1)]).accept_xhtml
        assert MIMEAccept([("application/xhtml+xml", 1)]).accept_html
        assert MIMEAccept([("application/*", 1)]).accept_json
        assert not MIMEAccept([("text/plain", 1)]).accept_html

    def test_language_fallbacks(self) -> None:
        accept = LanguageAccept([("de-AT", 1), ("en", 0.5)])
        # COMPAT(werkzeug): an exact match wins over a primary-subtag fallback.
        assert accept.best_match(["de", "en"]) == "en"
        assert accept.best_match(["de", "fr"]) == "de"
        assert accept.best_match(["fr"]) is None
        assert LanguageAccept([("en", 1)]).best_match(["de", "en-US"]) == "en-US"
        assert LanguageAccept([("en_US", 1)]).best_match(["en-us"]) == "en-us"
        assert LanguageAccept([("fr", 1)]).best_match(["de"], default="en") == "en"
        assert "en-us" in LanguageAccept([("en_US", 1)])

    def test_charset_aliases(self) -> None:
        accept = CharsetAccept([("utf8", 1), ("latin-1", 0.5)])
        assert accept.best_match(["ISO-8859-1", "UTF-8"]) == "UTF-8"
        assert accept["iso-8859-1"] == 0.5
        assert CharsetAccept([("x-unknown", 1)]).best_match(["X-UNKNOWN"]) == "X-UNKNOWN"

    def test_immutable_and_picklable(self) -> None:
        accept = MIMEAccept([("text/html", 1)])
        with pytest.raises(TypeError):
            accept[0] = ("x", 1)  # type: ignore[index]
        restored = pickle.loads(pickle.dumps(accept))
        assert type(restored) is MIMEAccept and list(restored) == [("text/html", 1.0)]


# --------------------------------------------------------------------------
# Cache-Control
# --------------------------------------------------------------------------


class TestCacheControl:
    def test_response_attributes_and_on_update(self) -> None:
        headers: list[str] = []
        cc = ResponseCacheControl(on_update=lambda c: headers.append(c.to_header()))
        assert cc.max_age is None
        assert cc.no_cache is None
        assert cc.private is None
        assert cc.public is False
        cc.max_age = 3600
        cc.public = True
        cc.no_cache = True
        cc.private = "Set-Cookie"
        cc.no_store = False  # absent already: no update call
        cc.max_age = None
        assert headers == [
            "max-age=3600",
            "max-age=3600, public",
            "max-age=3600, public, no-cache",
            "max-age=3600, public, no-cache, private=Set-Cookie",
            "public, no-cache, private=Set-Cookie",
        ]
        assert cc.no_cache is True
        assert cc.private == "Set-Cookie"
        cc.s_maxage = timedelta(minutes=1)
        assert cc.s_maxage == 60
        assert cc["s-maxage"] == "60"
        del cc.public
        assert cc.public is False
        cc.immutable = True
        cc.stale_while_revalidate = 30
        assert "immutable" in cc.to_header()
        assert cc.stale_while_revalidate == 30
        with pytest.raises(ValueError):
            cc.max_age = -1

    def test_same_value_does_not_trigger_update(self) -> None:
        calls: list[object] = []
        cc = ResponseCacheControl({"max-age": "10"}, on_update=calls.append)
        cc.max_age = 10
        assert calls == []
        cc.max_age = 11
        assert len(calls) == 1

    def test_dict_mutations_trigger_update(self) -> None:
        calls: list[object] = []
        cc = ResponseCacheControl(on_update=calls.append)
        cc["no-store"] = None
        cc.update({"max-age": "5"})
        cc.pop("max-age")
        cc.pop("missing", None)
        cc.setdefault("public")
        cc.setdefault("public")
        cc.clear()
        cc.clear()
        assert len(calls) == 5

    def test_request_attributes(self) -> None:
        cc = RequestCacheControl(
            {"max-age": "abc", "max-stale": None, "no-cache": None, "min-fresh": "10"}
        )
        assert cc.max_age is None
        assert cc.max_stale is True
        assert cc.no_cache is True
        assert cc.min_fresh == 10
        assert cc.no_store is False
        assert cc.only_if_cached is False
        assert cc.provided
        assert not RequestCacheControl(None).provided
        assert RequestCacheControl({"max-stale": "30"}).max_stale == 30
        with pytest.raises(TypeError):
            cc["x"] = "y"

    def test_repr_and_pickle(self) -> None:
        cc = ResponseCacheControl({"max-age": "5", "public": None})
        assert repr(cc) == "<ResponseCacheControl 'max-age=5, public'>"
        assert str(cc) == "max-age=5, public"
        restored = pickle.loads(pickle.dumps(cc))
        assert restored.max_age == 5 and restored.public is True


# --------------------------------------------------------------------------
# ETags, IfRange, Range, ContentRange
# --------------------------------------------------------------------------


class TestETags:
    def test_strong_and_weak(self) -> None:
        etags = ETags(["a", "b"], ["w"])
        assert "a" in etags
        assert "w" not in etags
        assert etags.contains("a") and not etags.contains("w")
        assert etags.contains_weak("w") and etags.contains_weak("a")
        assert etags.is_weak("w") and not etags.is_weak("a")
        assert etags.is_strong("b") and not etags.is_strong("w")
        assert etags.contains_raw('W/"w"')
        assert etags.contains_raw('"a"')
        assert not etags.contains_raw('"w"')
        assert etags.to_header() == '"a", "b", W/"w"'
        assert etags.as_set() == {"a", "b"}
        assert etags.as_set(include_weak=True) == {"a", "b", "w"}
        assert list(etags) == ["a", "b"]
        assert bool(etags)

    def test_star_and_empty(self) -> None:
        star = ETags(star_tag=True)
        assert "anything" in star and star.contains_weak("x")
        assert star.to_header() == "*"
        assert not ETags()
        assert "x" not in ETags()

    def test_call_with_data(self) -> None:
        from erlen.http.headers import generate_etag

        etags = ETags([generate_etag(b"body")])
        assert etags(data=b"body")
        assert not etags(data=b"other")
        with pytest.raises(TypeError):
            etags()


def test_if_range_to_header() -> None:
    assert IfRange("abc").to_header() == '"abc"'
    moment = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert IfRange(date=moment).to_header() == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert IfRange().to_header() == ""


class TestRange:
    def test_single_range(self) -> None:
        rng = Range("bytes", [(0, 500)])
        assert rng.range_for_length(1000) == (0, 500)
        assert rng.range_for_length(100) == (0, 100)
        assert rng.range_for_length(None) is None
        assert rng.to_header() == "bytes=0-499"
        content_range = rng.make_content_range(1000)
        assert content_range is not None
        assert content_range.to_header() == "bytes 0-499/1000"
        assert rng.to_content_range_header(1000) == "bytes 0-499/1000"

    def test_suffix_and_open_ranges(self) -> None:
        suffix = Range("bytes", [(-500, None)])
        assert suffix.range_for_length(1000) == (500, 1000)
        # A suffix longer than the body is the whole body (RFC 9110 14.1.3).
        assert suffix.range_for_length(100) == (0, 100)
        assert suffix.to_header() == "bytes=-500"
        opened = Range("bytes", [(500, None)])
        assert opened.range_for_length(1000) == (500, 1000)
        assert opened.to_header() == "bytes=500-"

    def test_unsatisfiable(self) -> None:
        assert Range("bytes", [(500, None)]).range_for_length(500) is None
        assert Range("bytes", [(1000, 2000)]).range_for_length(1000) is None
        assert Range("bytes", [(0, 10)]).range_for_length(0) is None
        assert Range("bytes", [(-10, None)]).range_for_length(0) is None
        assert Range("bytes", [(500, None)]).make_content_range(100) is None
        assert Range("bytes", [(500, None)]).to_content_range_header(100) is None

    def test_multiple_or_other_units_not_served(self) -> None:
        multi = Range("bytes", [(0, 10), (5, 15)])
        assert multi.range_for_length(100) is None
        assert multi.to_header() == "bytes=0-9,5-14"
        assert Range("items", [(0, 10)]).range_for_length(100) is None

    def test_invalid_construction(self) -> None:
        with pytest.raises(ValueError):
            Range("bytes", [(10, 5)])
        with pytest.raises(ValueError):
            Range("bytes", [(-5, 10)])


class TestContentRange:
    def test_to_header_and_updates(self) -> None:
        seen: list[str] = []
        cr = ContentRange("bytes", 0, 100, 1000, on_update=lambda c: seen.append(c.to_header()))
        assert cr.to_header() == "bytes 0-99/1000"
        cr.length = None
        assert cr.to_header() == "bytes 0-99/*"
        cr.set(None, None, 1000)
        assert cr.to_header() == "bytes */1000"
        cr.unset()
        assert cr.to_header() == ""
        assert not cr
        assert seen == ["bytes 0-99/*", "bytes */1000", ""]
        cr.units = "bytes"
        cr.start, cr.stop = 5, 10
        assert cr.to_header() == "bytes 5-9/*"
        assert ContentRange("bytes", 1, 2, 3) == ContentRange("bytes", 1, 2, 3)


# --------------------------------------------------------------------------
# Authorization, WWW-Authenticate
# --------------------------------------------------------------------------


class TestAuthorization:
    def test_basic(self) -> None:
        auth = Authorization("basic", {"username": "jösé", "password": "pa:ss"})
        header = auth.to_header()
        assert header == "Basic asO2c8OpOnBhOnNz"
        parsed = Authorization.from_header(header)
        assert parsed == auth
        assert parsed is not None
        assert parsed.type == "basic"
        assert (parsed.username, parsed.password) == ("jösé", "pa:ss")

    def test_bearer_and_params(self) -> None:
        bearer = Authorization.from_header("Bearer abc.DEF-_~+/==")
        assert bearer is not None
        assert bearer.type == "bearer"
        assert bearer.token == "abc.DEF-_~+/=="
        assert bearer.username is None
        assert bearer.to_header() == "Bearer abc.DEF-_~+/=="
        digest = Authorization.from_header('Digest username="u", realm="r r", nc=00000001')
        assert digest is not None
        assert digest.username == "u"
        assert digest.realm == "r r"
        assert digest.get("nc") == "00000001"
        assert digest["missing"] is None
        assert "nc" in digest
        assert digest.to_header() == 'Digest username=u, realm="r r", nc=00000001'

    @pytest.mark.parametrize(
        ("value", "token"),
        [
            ("MyToken this-is-the-token!", "this-is-the-token!"),
            ("Bearer abc def", "abc def"),
            ("Token a=b==", None),
        ],
    )
    def test_token_beyond_token68(self, value: str, token: str | None) -> None:
        # As Werkzeug's: parameters only when an "=" comes before the padding
        # (Flask-HTTPAuth's HTTPTokenAuth reads request.authorization.token).
        auth = Authorization.from_header(value)
        assert auth is not None
        assert auth.token == token
        assert (auth.get("a") == "b==") is (token is None)

    def test_scheme_only(self) -> None:
        auth = Authorization.from_header("Negotiate")
        assert auth is not None and auth.type == "negotiate" and auth.token is None

    @pytest.mark.parametrize(
        "value",
        [None, "", "   ", "Basic", "Basic !!!notbase64", "Basic dXNlcg==", "Basic éé"],
    )
    def test_malformed(self, value: str | None) -> None:
        assert Authorization.from_header(value) is None


class TestWWWAuthenticate:
    def test_basic_challenge(self) -> None:
        challenge = WWWAuthenticate("Basic", {"realm": "my app"})
        assert challenge.type == "basic"
        assert challenge.to_header() == 'Basic realm="my app"'
        assert WWWAuthenticate("basic", {"realm": "x"}).to_header() == 'Basic realm="x"'

    def test_on_update_and_attribute_params(self) -> None:
        seen: list[str] = []
        challenge = WWWAuthenticate("digest")
        challenge.on_update = lambda w: seen.append(w.to_header())
        challenge.realm = "r"
        challenge["nonce"] = "n1"
        challenge.stale = "TRUE"
        challenge.stale = None
        assert challenge.realm == "r"
        assert challenge.get("nonce") == "n1"
        assert "nonce" in challenge
        assert seen == [
            'Digest realm="r"',
            'Digest realm="r", nonce="n1"',
            'Digest realm="r", nonce="n1", stale=TRUE',
            'Digest realm="r", nonce="n1"',
        ]

    def test_from_header(self) -> None:
        parsed = WWWAuthenticate.from_header('Digest realm="r", qop="auth,auth-int", nonce="x"')
        assert parsed is not None
        assert parsed.parameters == {"realm": "r", "qop": "auth,auth-int", "nonce": "x"}
        assert parsed.to_header() == 'Digest realm="r", qop="auth,auth-int", nonce="x"'
        token = WWWAuthenticate.from_header("Bearer")
        assert token is not None and token.type == "bearer" and token.to_header() == "Bearer"
        assert WWWAuthenticate.from_header(None) is None
        custom = WWWAuthenticate.from_header("MyToken tok-en!")
        assert custom is not None and custom.token == "tok-en!" and not custom.parameters


# --------------------------------------------------------------------------
# UserAgent
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("string", "platform", "browser", "version"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/120.0.0.0 Safari/537.36",
            "windows",
            "chrome",
            "120.0.0.0",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like"
            " Gecko) Version/17.1 Safari/605.1.15",
            "macos",
            "safari",
            "17.1",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "linux",
            "firefox",
            "121.0",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "windows",
            "edge",
            "120.0.2210.91",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
            " (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "iphone",
            "safari",
            "17.0",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/120.0.6099.144 Mobile Safari/537.36",
            "android",
            "chrome",
            "120.0.6099.144",
        ),
        (
            "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko",
            "windows",
            "msie",
            "11.0",
        ),
        ("curl/8.4.0", None, "curl", "8.4.0"),
    ],
)
def test_user_agent_guess(string: str, platform: str | None, browser: str, version: str) -> None:
    ua = UserAgent(string)
    assert (ua.platform, ua.browser, ua.version) == (platform, browser, version)
    assert str(ua) == string
    assert ua.to_header() == string
    assert bool(ua)


def test_user_agent_unknown_and_empty() -> None:
    empty = UserAgent(None)
    assert empty.string == ""
    assert (empty.platform, empty.browser, empty.version, empty.language) == (None,) * 4
    assert not empty
    odd = UserAgent("SomethingWeird")
    assert odd.browser is None and not odd
    assert UserAgent("Mozilla/5.0 (X11; U; Linux i686; en-US; rv:1.9)").language == "en-US"


# --------------------------------------------------------------------------
# HeaderSet
# --------------------------------------------------------------------------


class TestHeaderSet:
    def test_case_insensitive_set(self) -> None:
        seen: list[str] = []
        hs = HeaderSet(["Accept-Encoding"], on_update=lambda h: seen.append(h.to_header()))
        hs.add("accept-encoding")
        hs.add("Cookie")
        hs.update(["Origin", "cookie"])
        assert list(hs) == ["Accept-Encoding", "Cookie", "Origin"]
        assert "COOKIE" in hs and 3 not in hs
        assert hs.find("origin") == 2
        assert hs.find("nope") == -1
        assert hs.index("cookie") == 1
        with pytest.raises(IndexError):
            hs.index("nope")
        hs.remove("ORIGIN")
        with pytest.raises(KeyError):
            hs.remove("origin")
        hs.discard("nope")
        assert hs.to_header() == "Accept-Encoding, Cookie"
        assert seen == [
            "Accept-Encoding, Cookie",
            "Accept-Encoding, Cookie, Origin",
            "Accept-Encoding, Cookie",
        ]
        assert hs.as_set() == {"accept-encoding", "cookie"}
        assert hs.as_set(preserve_casing=True) == {"Accept-Encoding", "Cookie"}
        assert hs[0] == "Accept-Encoding"
        hs[0] = "Vary-Me"
        del hs[1]
        assert list(hs) == ["Vary-Me"]
        assert len(hs) == 1 and bool(hs)
        hs.clear()
        assert not hs
        assert str(HeaderSet(["a b"])) == '"a b"'


@pytest.mark.parametrize("kind", [list, tuple, iter])
def test_multidict_from_pairs_keeps_order_whatever_the_iterable(kind: type) -> None:
    pairs = [("b", "1"), ("a", "2"), ("b", "3"), ("", ""), ("a", "4")]
    md = ImmutableMultiDict(kind(pairs))
    assert list(md.items(multi=True)) == [
        ("b", "1"),
        ("b", "3"),
        ("a", "2"),
        ("a", "4"),
        ("", ""),
    ]
    assert list(md) == ["b", "a", ""]
    assert md["b"] == "1"
    assert md.getlist("a") == ["2", "4"]
