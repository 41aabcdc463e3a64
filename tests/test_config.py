"""erlen.config: Config loaders, ConfigAttribute and DEFAULT_CONFIG."""

from __future__ import annotations

import copy
import json
import operator
import pickle
import sys
import textwrap
import tomllib
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from erlen.config import DEFAULT_CONFIG, Config, ConfigAttribute, make_timedelta

# --- DEFAULT_CONFIG ------------------------------------------------------------------------


def test_default_config_matches_flask_except_documented_differences() -> None:
    flask = pytest.importorskip("flask")
    ours = dict(DEFAULT_CONFIG)
    erlen_only = {
        "SESSION_COOKIE_FORMAT",
        "PROXY_FIX",
        "ASGI_THREAD_POOL_SIZE",
        "ASGI_BODY_SPOOL_SIZE",
    }
    assert set(ours) - set(flask.Flask.default_config) == erlen_only
    assert set(flask.Flask.default_config) - set(ours) == set()
    differing = {
        key
        for key, value in flask.Flask.default_config.items()
        if ours[key] != value or type(ours[key]) is not type(value)
    }
    assert differing == {"SESSION_COOKIE_SAMESITE"}
    assert ours["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_default_config_erlen_keys() -> None:
    assert DEFAULT_CONFIG["SESSION_COOKIE_FORMAT"] == "encrypted"
    assert DEFAULT_CONFIG["PROXY_FIX"] is None
    assert DEFAULT_CONFIG["ASGI_THREAD_POOL_SIZE"] == 40
    assert DEFAULT_CONFIG["ASGI_BODY_SPOOL_SIZE"] == 1024 * 1024
    assert DEFAULT_CONFIG["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert DEFAULT_CONFIG["MAX_FORM_MEMORY_SIZE"] == 500_000
    assert DEFAULT_CONFIG["MAX_FORM_PARTS"] == 1_000
    assert DEFAULT_CONFIG["MAX_COOKIE_SIZE"] == 4093


def test_every_erlen_only_key_is_documented() -> None:
    import erlen.config

    flask = pytest.importorskip("flask")
    doc = erlen.config.__doc__ or ""
    erlen_only = sorted(set(DEFAULT_CONFIG) - set(flask.Flask.default_config))
    # Each has its own entry: the name on a line, then its default value.
    undocumented = [key for key in erlen_only if f"\n``{key}``\n    ``" not in doc]
    assert undocumented == []


def test_default_config_is_a_dict_that_cannot_be_changed() -> None:
    assert isinstance(DEFAULT_CONFIG, dict)
    with pytest.raises(TypeError):
        DEFAULT_CONFIG["DEBUG"] = True
    with pytest.raises(TypeError):
        del DEFAULT_CONFIG["DEBUG"]
    with pytest.raises(TypeError):
        DEFAULT_CONFIG.update(DEBUG=True)
    with pytest.raises(TypeError):
        DEFAULT_CONFIG.setdefault("NEW", 1)
    with pytest.raises(TypeError):
        DEFAULT_CONFIG.pop("DEBUG")
    with pytest.raises(TypeError):
        DEFAULT_CONFIG.popitem()
    with pytest.raises(TypeError):
        DEFAULT_CONFIG.clear()
    with pytest.raises(TypeError):
        operator.ior(DEFAULT_CONFIG, {"DEBUG": True})
    assert DEFAULT_CONFIG["DEBUG"] is None


def test_default_config_copies_and_pickles() -> None:
    assert copy.copy(DEFAULT_CONFIG) == DEFAULT_CONFIG
    assert copy.deepcopy(DEFAULT_CONFIG) == DEFAULT_CONFIG
    assert pickle.loads(pickle.dumps(DEFAULT_CONFIG)) == DEFAULT_CONFIG


def test_config_copies_defaults_instead_of_sharing_them() -> None:
    config = Config("/", DEFAULT_CONFIG)
    config["DEBUG"] = True
    config["NEW"] = 1
    assert DEFAULT_CONFIG["DEBUG"] is None
    assert "NEW" not in DEFAULT_CONFIG
    assert config["SECRET_KEY"] is None
    assert len(config) == len(DEFAULT_CONFIG) + 1


def test_config_without_defaults_is_empty() -> None:
    config = Config("/somewhere")
    assert config == {}
    assert config.root_path == "/somewhere"


# --- from_object ---------------------------------------------------------------------------


class _Settings:
    SECRET_KEY = "s3cret"
    DEBUG = True
    lower_case = "ignored"
    Mixed_Case = "ignored"
    _PRIVATE = "ignored?"


def test_from_object_takes_only_uppercase_attributes() -> None:
    config = Config("/")
    config.from_object(_Settings)
    # "_PRIVATE".isupper() is True, so Flask loads it too.
    assert config == {"SECRET_KEY": "s3cret", "DEBUG": True, "_PRIVATE": "ignored?"}


def test_from_object_with_an_instance_evaluates_properties() -> None:
    class Production:
        DB = "sqlite://"

        @property
        def DATABASE_URI(self) -> str:
            return f"{self.DB}/prod"

    config = Config("/")
    config.from_object(Production())
    assert config["DATABASE_URI"] == "sqlite:///prod"


def test_from_object_inherits_from_base_classes() -> None:
    class Base:
        DEBUG = False
        TESTING = False

    class Dev(Base):
        DEBUG = True

    config = Config("/")
    config.from_object(Dev)
    assert config == {"DEBUG": True, "TESTING": False}


@pytest.fixture
def settings_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("erlen_test_settings")
    module.SECRET_KEY = "from-module"  # type: ignore[attr-defined]
    module.helper = lambda: None  # type: ignore[attr-defined]

    class Prod:
        SERVER_NAME = "example.com"

    module.Prod = Prod  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "erlen_test_settings", module)
    return module


def test_from_object_imports_a_module_string(settings_module: types.ModuleType) -> None:
    config = Config("/")
    config.from_object("erlen_test_settings")
    # "Prod" is not upper case: classes in the module are not loaded.
    assert config == {"SECRET_KEY": "from-module"}


@pytest.mark.parametrize("name", ["erlen_test_settings.Prod", "erlen_test_settings:Prod"])
def test_from_object_imports_an_attribute_string(
    settings_module: types.ModuleType, name: str
) -> None:
    config = Config("/")
    config.from_object(name)
    assert config == {"SERVER_NAME": "example.com"}


def test_from_object_imports_a_submodule_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "erlen_cfgpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("X = 1\nclass Live:\n    Y = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        config = Config("/")
        config.from_object("erlen_cfgpkg.settings")
        assert config == {"X": 1}
        config.from_object("erlen_cfgpkg.settings.Live")
        assert config == {"X": 1, "Y": 2}
    finally:
        for name in ("erlen_cfgpkg", "erlen_cfgpkg.settings"):
            sys.modules.pop(name, None)


def test_from_object_missing_attribute_is_an_import_error(
    settings_module: types.ModuleType,
) -> None:
    with pytest.raises(ImportError, match="has no attribute 'Nope'"):
        Config("/").from_object("erlen_test_settings.Nope")


def test_from_object_missing_module_is_an_import_error() -> None:
    with pytest.raises(ImportError):
        Config("/").from_object("erlen_no_such_module_xyz")
    with pytest.raises(ImportError):
        Config("/").from_object("erlen_no_such_module_xyz.Attr")


def test_from_object_import_error_inside_the_module_is_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "erlen_broken_settings.py").write_text("import erlen_missing_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as info:
        Config("/").from_object("erlen_broken_settings")
    assert info.value.name == "erlen_missing_dependency_xyz"
    sys.modules.pop("erlen_broken_settings", None)


# --- from_pyfile / from_envvar ---------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_from_pyfile_relative_to_root_path(tmp_path: Path) -> None:
    _write(
        tmp_path / "settings.cfg",
        """
        import os
        SECRET_KEY = "x" * 3
        DEBUG = True
        helper = 1
        NAME = __file__
        """,
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.cfg") is True
    assert config["SECRET_KEY"] == "xxx"
    assert config["DEBUG"] is True
    assert config["NAME"] == str(tmp_path / "settings.cfg")
    assert "helper" not in config
    assert "os" not in config


def test_from_pyfile_absolute_path_ignores_root(tmp_path: Path) -> None:
    path = _write(tmp_path / "abs.py", "A = 1\n")
    config = Config("/nonexistent/root")
    assert config.from_pyfile(str(path)) is True
    assert config == {"A": 1}


def test_from_pyfile_missing_raises_with_a_clear_message(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        config.from_pyfile("missing.cfg")
    assert "Unable to load configuration file" in str(info.value)
    assert "missing.cfg" in str(info.value)


def test_from_pyfile_missing_silent(tmp_path: Path) -> None:
    config = Config(tmp_path)
    assert config.from_pyfile("missing.cfg", silent=True) is False
    assert config == {}


def test_from_pyfile_directory_silent(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    config = Config(tmp_path)
    assert config.from_pyfile("adir", silent=True) is False
    with pytest.raises(IsADirectoryError):
        config.from_pyfile("adir")


def test_from_pyfile_syntax_error_is_raised_even_when_silent(tmp_path: Path) -> None:
    _write(tmp_path / "bad.cfg", "A = (\n")
    with pytest.raises(SyntaxError):
        Config(tmp_path).from_pyfile("bad.cfg", silent=True)


def test_from_envvar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "env.cfg", "FROM_ENV = 'yes'\n")
    monkeypatch.setenv("ERLEN_TEST_SETTINGS", str(path))
    config = Config("/")
    assert config.from_envvar("ERLEN_TEST_SETTINGS") is True
    assert config == {"FROM_ENV": "yes"}


def test_from_envvar_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ERLEN_TEST_SETTINGS", raising=False)
    config = Config("/")
    with pytest.raises(RuntimeError, match="'ERLEN_TEST_SETTINGS' is not set"):
        config.from_envvar("ERLEN_TEST_SETTINGS")
    assert config.from_envvar("ERLEN_TEST_SETTINGS", silent=True) is False


def test_from_envvar_empty_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERLEN_TEST_SETTINGS", "")
    with pytest.raises(RuntimeError):
        Config("/").from_envvar("ERLEN_TEST_SETTINGS")


def test_from_envvar_pointing_to_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_TEST_SETTINGS", str(tmp_path / "gone.cfg"))
    assert Config("/").from_envvar("ERLEN_TEST_SETTINGS", silent=True) is False
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        Config("/").from_envvar("ERLEN_TEST_SETTINGS")


# --- from_file / from_mapping ---------------------------------------------------------------


def test_from_file_json(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('{"SECRET_KEY": "j", "lower": 1, "N": [1, 2]}')
    config = Config(tmp_path)
    assert config.from_file("c.json", load=json.load) is True
    assert config == {"SECRET_KEY": "j", "N": [1, 2]}


def test_from_file_toml_binary(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('SECRET_KEY = "t"\nPORT = 8000\n')
    config = Config(tmp_path)
    assert config.from_file("c.toml", load=tomllib.load, text=False) is True
    assert config == {"SECRET_KEY": "t", "PORT": 8000}


def test_from_file_missing(tmp_path: Path) -> None:
    config = Config(tmp_path)
    assert config.from_file("nope.json", load=json.load, silent=True) is False
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        config.from_file("nope.json", load=json.load)


def test_from_file_invalid_content_raises(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(json.JSONDecodeError):
        Config(tmp_path).from_file("bad.json", load=json.load, silent=True)


def test_from_mapping() -> None:
    config = Config("/")
    assert config.from_mapping({"A": 1, "b": 2}, C=3, d=4) is True
    assert config == {"A": 1, "C": 3}


def test_from_mapping_kwargs_win_and_pairs_work() -> None:
    config = Config("/")
    config.from_mapping([("A", 1), ("B", 2)], A=10)
    assert config == {"A": 10, "B": 2}
    config.from_mapping()
    assert config == {"A": 10, "B": 2}


# --- from_prefixed_env ----------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith(("ERLEN_", "FLASK_", "MYAPP_")):
            monkeypatch.delenv(key)
    return monkeypatch


def test_from_prefixed_env_parses_json_values(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ERLEN_STRING", "hello")
    clean_env.setenv("ERLEN_INT", "8000")
    clean_env.setenv("ERLEN_FLOAT", "1.5")
    clean_env.setenv("ERLEN_BOOL", "true")
    clean_env.setenv("ERLEN_NULL", "null")
    clean_env.setenv("ERLEN_LIST", "[1, 2]")
    clean_env.setenv("ERLEN_QUOTED", '"123"')
    clean_env.setenv("ERLEN_BROKEN", "{not json")
    clean_env.setenv("OTHER_KEY", "1")
    config = Config("/")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "hello",
        "INT": 8000,
        "FLOAT": 1.5,
        "BOOL": True,
        "NULL": None,
        "LIST": [1, 2],
        "QUOTED": "123",
        "BROKEN": "{not json",
    }


def test_from_prefixed_env_other_prefix_and_loads(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", "flask-key")
    clean_env.setenv("ERLEN_SECRET_KEY", "erlen-key")
    config = Config("/")
    config.from_prefixed_env("FLASK", loads=str.upper)
    assert config == {"SECRET_KEY": "FLASK-KEY"}


def test_from_prefixed_env_prefix_needs_the_underscore(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ERLENX_KEY", "1")
    clean_env.setenv("ERLEN_", "empty-name")
    config = Config("/")
    config.from_prefixed_env()
    assert config == {"": "empty-name"}


def test_from_prefixed_env_nested_keys(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ERLEN_DB__HOST", "localhost")
    clean_env.setenv("ERLEN_DB__PORT", "5432")
    clean_env.setenv("ERLEN_DB__OPTS__SSL", "true")
    config = Config("/", {"DB": {"USER": "me"}})
    config.from_prefixed_env()
    assert config == {
        "DB": {"USER": "me", "HOST": "localhost", "PORT": 5432, "OPTS": {"SSL": True}}
    }


def test_from_prefixed_env_nested_into_a_non_mapping_is_an_error(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("ERLEN_DB__HOST", "x")
    config = Config("/", {"DB": "sqlite://"})
    with pytest.raises(TypeError, match="'DB' holds a str"):
        config.from_prefixed_env()


def test_from_prefixed_env_applies_in_sorted_order(clean_env: pytest.MonkeyPatch) -> None:
    # "ERLEN_A" sorts before "ERLEN_A__B": the nested key extends the dict set first.
    clean_env.setenv("ERLEN_A__B", "2")
    clean_env.setenv("ERLEN_A", '{"X": 1}')
    config = Config("/")
    config.from_prefixed_env()
    assert config == {"A": {"X": 1, "B": 2}}


# --- get_namespace / repr -------------------------------------------------------------------


def test_get_namespace() -> None:
    config = Config(
        "/",
        {
            "IMAGE_STORE_TYPE": "fs",
            "IMAGE_STORE_PATH": "/var/images",
            "IMAGE_STORE_BASE_URL": "http://img.example.com",
            "FOREIGN": 1,
        },
    )
    assert config.get_namespace("IMAGE_STORE_") == {
        "type": "fs",
        "path": "/var/images",
        "base_url": "http://img.example.com",
    }
    assert config.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/var/images",
        "BASE_URL": "http://img.example.com",
    }
    assert config.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/var/images",
        "image_store_base_url": "http://img.example.com",
    }
    assert config.get_namespace("NOPE_") == {}


def test_repr() -> None:
    config = Config("/", {"A": 1})
    assert repr(config) == "<Config {'A': 1}>"

    class Sub(Config):
        pass

    assert repr(Sub("/")) == "<Sub {}>"


# --- ConfigAttribute ------------------------------------------------------------------------


class _App:
    secret_key = ConfigAttribute[Any]("SECRET_KEY")
    testing = ConfigAttribute[bool]("TESTING")
    lifetime = ConfigAttribute("PERMANENT_SESSION_LIFETIME", get_converter=make_timedelta)

    def __init__(self) -> None:
        self.config = Config("/", DEFAULT_CONFIG)


def test_config_attribute_reads_and_writes_the_config() -> None:
    app = _App()
    assert app.secret_key is None
    app.secret_key = "k"
    assert app.config["SECRET_KEY"] == "k"
    app.config["TESTING"] = True
    assert app.testing is True


def test_config_attribute_converter() -> None:
    app = _App()
    assert app.lifetime == timedelta(days=31)
    app.lifetime = 60  # type: ignore[assignment]
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 60
    assert app.lifetime == timedelta(seconds=60)
    app.config["PERMANENT_SESSION_LIFETIME"] = 1.5
    assert app.lifetime == timedelta(seconds=1.5)


def test_config_attribute_on_the_class_is_the_descriptor() -> None:
    attr = _App.__dict__["secret_key"]
    assert _App.secret_key is attr
    assert attr.__name__ == "SECRET_KEY"


def test_config_attribute_missing_key_is_a_key_error() -> None:
    app = _App()
    del app.config["TESTING"]
    with pytest.raises(KeyError):
        _ = app.testing


def test_make_timedelta() -> None:
    assert make_timedelta(None) is None
    td = timedelta(hours=1)
    assert make_timedelta(td) is td
    assert make_timedelta(30) == timedelta(seconds=30)
    assert make_timedelta(0.25) == timedelta(milliseconds=250)
