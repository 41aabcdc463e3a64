"""erlen.http.security: password hashes in Werkzeug's stored format."""

from __future__ import annotations

import hashlib
import re

import pytest

from erlen.http import security
from erlen.http.security import check_password_hash, gen_salt, generate_password_hash

werkzeug_security = pytest.importorskip("werkzeug.security")


def test_default_is_scrypt_in_werkzeug_format() -> None:
    pwhash = generate_password_hash("secret")
    method, salt, digest = pwhash.split("$")
    assert method == "scrypt:32768:8:1"
    assert re.fullmatch(r"[A-Za-z0-9]{16}", salt)
    assert re.fullmatch(r"[0-9a-f]{128}", digest)
    expected = hashlib.scrypt(b"secret", salt=salt.encode(), n=32768, r=8, p=1, maxmem=2**26)
    assert digest == expected.hex()
    assert check_password_hash(pwhash, "secret")
    assert not check_password_hash(pwhash, "Secret")


def test_pbkdf2_default_format() -> None:
    pwhash = generate_password_hash("secret", method="pbkdf2", salt_length=8)
    method, salt, digest = pwhash.split("$")
    assert method == "pbkdf2:sha256:1000000"
    assert len(salt) == 8
    assert digest == hashlib.pbkdf2_hmac("sha256", b"secret", salt.encode(), 1_000_000).hex()
    assert check_password_hash(pwhash, "secret")


@pytest.mark.parametrize(
    ("method", "prefix"),
    [
        ("pbkdf2:sha512:1000", "pbkdf2:sha512:1000$"),
        ("pbkdf2:sha256:2000", "pbkdf2:sha256:2000$"),
        ("pbkdf2:sha1:10", "pbkdf2:sha1:10$"),
        ("scrypt:1024:8:1", "scrypt:1024:8:1$"),
        ("scrypt:16384:4:2", "scrypt:16384:4:2$"),
    ],
)
def test_explicit_parameters(method: str, prefix: str) -> None:
    pwhash = generate_password_hash("pässwörd", method=method)
    assert pwhash.startswith(prefix)
    assert check_password_hash(pwhash, "pässwörd")
    assert not check_password_hash(pwhash, "passwort")


def test_salts_differ() -> None:
    assert generate_password_hash("a", "pbkdf2:sha256:1") != generate_password_hash(
        "a", "pbkdf2:sha256:1"
    )


def test_empty_password() -> None:
    pwhash = generate_password_hash("", method="pbkdf2:sha256:10")
    assert check_password_hash(pwhash, "")
    assert not check_password_hash(pwhash, " ")


@pytest.mark.parametrize(
    "method", ["md5", "plain", "sha256", "scrypt:1:2", "pbkdf2:sha256:1:2", "pbkdf2:nohash:5", ""]
)
def test_unknown_method_raises_on_generate(method: str) -> None:
    with pytest.raises(ValueError):
        generate_password_hash("x", method=method)


def test_check_without_iterations_uses_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "DEFAULT_PBKDF2_ITERATIONS", 5)
    digest = hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 5).hex()
    assert check_password_hash(f"pbkdf2:sha256$salt${digest}", "pw")
    assert check_password_hash(f"pbkdf2$salt${digest}", "pw")
    sha512 = hashlib.pbkdf2_hmac("sha512", b"pw", b"salt", 5).hex()
    assert check_password_hash(f"pbkdf2:sha512$salt${sha512}", "pw")


def test_plain_scrypt_uses_default_parameters() -> None:
    digest = hashlib.scrypt(b"pw", salt=b"salt", n=32768, r=8, p=1, maxmem=2**26).hex()
    assert check_password_hash(f"scrypt$salt${digest}", "pw")
    assert check_password_hash(f"scrypt:32768:8:1$salt${digest}", "pw")


@pytest.mark.parametrize(
    "pwhash",
    [
        "",
        "nodollars",
        "one$dollar",
        "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99",
        "plain$$pw",
        "pbkdf2:sha256:abc$salt$00",
        "pbkdf2:sha256:0$salt$00",
        "pbkdf2:nohash:10$salt$00",
        "scrypt:0:8:1$salt$00",
        "scrypt:3:8:1$salt$00",  # n must be a power of two
        "scrypt:1:2$salt$00",
        "scrypt:16384:8:1$salt$nothex¿",
        "pbkdf2:sha256:1$salt$",
    ],
)
def test_check_malformed_or_unknown_is_false(pwhash: str) -> None:
    assert check_password_hash(pwhash, "pw") is False


def test_salt_may_not_contain_dollar_but_digest_split_is_exact() -> None:
    pwhash = generate_password_hash("pw", "pbkdf2:sha256:1")
    method, salt, digest = pwhash.split("$")
    assert not check_password_hash(f"{method}${salt}${digest}$", "pw")


def test_werkzeug_hashes_verify_in_erlen() -> None:
    for method in ["scrypt", "pbkdf2", "pbkdf2:sha256:1000", "pbkdf2:sha512:1000"]:
        pwhash = werkzeug_security.generate_password_hash("hunter2 ü", method=method)
        assert check_password_hash(pwhash, "hunter2 ü"), pwhash
        assert not check_password_hash(pwhash, "hunter3 ü")


def test_erlen_hashes_verify_in_werkzeug() -> None:
    for method in ["scrypt", "pbkdf2", "pbkdf2:sha256:1000", "pbkdf2:sha512:1000"]:
        pwhash = generate_password_hash("hunter2 ü", method=method)
        assert werkzeug_security.check_password_hash(pwhash, "hunter2 ü"), pwhash
        assert not werkzeug_security.check_password_hash(pwhash, "hunter3 ü")


def test_gen_salt() -> None:
    salt = gen_salt(40)
    assert len(salt) == 40
    assert re.fullmatch(r"[A-Za-z0-9]+", salt)
    assert gen_salt(40) != salt
    with pytest.raises(ValueError):
        gen_salt(0)
