"""Tests of secret encryption at rest and key rotation."""

import pytest
from cryptography.fernet import Fernet

from logistics_integration_base.lib import crypto, errors


@pytest.fixture
def old_key():
    return crypto.generate_key()


@pytest.fixture
def new_key():
    return crypto.generate_key()


def test_generate_key_is_a_valid_fernet_key():
    key = crypto.generate_key()
    assert isinstance(key, str)
    assert len(key) == 44
    Fernet(key)  # does not raise
    assert crypto.generate_key() != key


def test_parse_keys_separators_and_order(old_key, new_key):
    text = f" {new_key},{old_key}\n {new_key}\t"
    assert crypto.parse_keys(text) == [
        new_key.encode(),
        old_key.encode(),
        new_key.encode(),
    ]
    assert crypto.parse_keys(f"{new_key}, ,{old_key}") == [
        new_key.encode(),
        old_key.encode(),
    ]


@pytest.mark.parametrize("text", ["", "  , ,\n", None])
def test_parse_keys_empty(text):
    with pytest.raises(ValueError, match="No encryption key is configured"):
        crypto.parse_keys(text)


@pytest.mark.parametrize(
    "bad",
    [
        "not-a-key",
        "A" * 44,  # no padding
        "A" * 43 + "!",
        "A" * 42 + "==",  # 31 bytes
        "A" * 43 + "=A",
        "A+" * 21 + "A=",  # standard, not url-safe, base64
    ],
)
def test_parse_keys_invalid_key_does_not_echo_it(new_key, bad):
    with pytest.raises(ValueError) as info:
        crypto.parse_keys(f"{new_key},{bad}")
    message = str(info.value)
    assert message.startswith("Encryption key #2 is invalid: expected 32 bytes")
    assert bad not in message
    assert new_key not in message


def test_encrypt_decrypt_round_trip(new_key):
    box = crypto.SecretBox([new_key])
    token = box.encrypt("pässwörd 🔑")
    assert isinstance(token, str)
    assert token.isascii()
    assert "pässwörd" not in token
    assert box.decrypt(token) == "pässwörd 🔑"
    assert box.decrypt(token.encode("ascii")) == "pässwörd 🔑"
    assert box.encrypt("") != box.encrypt("")  # random IV
    assert box.decrypt(box.encrypt("")) == ""


def test_secret_box_accepts_key_string_and_bytes(old_key, new_key):
    from_text = crypto.SecretBox(f"{new_key},{old_key}")
    from_bytes = crypto.SecretBox(crypto.parse_keys(f"{new_key},{old_key}"))
    assert from_bytes.decrypt(from_text.encrypt("x")) == "x"
    assert from_text.key_count == 2


def test_secret_box_rejects_no_or_bad_keys(new_key):
    with pytest.raises(ValueError, match="No encryption key is configured"):
        crypto.SecretBox([])
    with pytest.raises(ValueError, match="Encryption key #2 is invalid") as info:
        crypto.SecretBox([new_key, b"short"])
    assert "short" not in str(info.value)


def test_repr_does_not_leak_keys(new_key):
    box = crypto.SecretBox([new_key])
    assert repr(box) == "<SecretBox with 1 key(s)>"
    assert new_key not in repr(box)


def test_encrypt_requires_text(new_key):
    with pytest.raises(TypeError, match="Plaintext must be str, got bytes"):
        crypto.SecretBox([new_key]).encrypt(b"raw")


@pytest.mark.parametrize("token", ["garbage", "", "gAAAAA-not-really", "ünïcode"])
def test_decrypt_garbage(new_key, token):
    box = crypto.SecretBox([new_key])
    with pytest.raises(errors.PermanentError) as info:
        box.decrypt(token)
    assert str(info.value) == "Secret cannot be decrypted with the configured keys"


def test_decrypt_with_unknown_key(old_key, new_key):
    token = crypto.SecretBox([old_key]).encrypt("s3cret")
    with pytest.raises(errors.PermanentError, match="cannot be decrypted"):
        crypto.SecretBox([new_key]).decrypt(token)


def test_token_must_be_text_or_bytes(new_key):
    with pytest.raises(TypeError, match="Token must be str or bytes, got int"):
        crypto.SecretBox([new_key]).decrypt(42)


def test_rotation(old_key, new_key):
    old_token = crypto.SecretBox([old_key]).encrypt("s3cret")
    box = crypto.SecretBox([new_key, old_key])
    assert box.decrypt(old_token) == "s3cret"  # old keys still decrypt
    assert box.needs_rotation(old_token) is True

    rotated = box.rotate(old_token)
    assert box.needs_rotation(rotated) is False
    assert crypto.SecretBox([new_key]).decrypt(rotated) == "s3cret"
    assert box.needs_rotation(box.encrypt("fresh")) is False


def test_rotate_unreadable_token(old_key, new_key):
    box = crypto.SecretBox([new_key, old_key])
    foreign = crypto.SecretBox([crypto.generate_key()]).encrypt("x")
    assert box.needs_rotation(foreign) is True
    with pytest.raises(errors.PermanentError, match="cannot be decrypted"):
        box.rotate(foreign)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abcdefghijkl", "••••kl"),
        ("sk_live_1234567890", "••••90"),
        ("abcdefghijk", "••••••"),
        ("ab", "••••••"),
        ("", "••••••"),
        (None, "••••••"),
    ],
)
def test_mask(value, expected):
    assert crypto.mask(value) == expected
