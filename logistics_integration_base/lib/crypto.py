"""Secrets encrypted at rest with Fernet, with key rotation.

Keys are configured as one string of url-safe base64 Fernet keys separated by
commas or whitespace. The first key is the primary: it encrypts. The others
only decrypt, so that old tokens stay readable while they are rotated.

Never log plaintext secrets or keys; use :func:`mask` for display.
"""

import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from . import errors

# 32 bytes in url-safe base64: 43 significant characters and one "=" of padding.
FERNET_KEY_RE = re.compile(r"[A-Za-z0-9_-]{43}=", re.ASCII)
KEY_SEPARATOR_RE = re.compile(r"[\s,]+")
MASK_MIN_LENGTH = 12
MASK_VISIBLE_CHARS = 2
MASK_PREFIX = "••••"
MASK_FULL = "••••••"
DECRYPT_ERROR = "Secret cannot be decrypted with the configured keys"


def generate_key():
    """A new random Fernet key, as an ASCII string."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text):
    """Parse a comma/whitespace separated list of Fernet keys, primary first.

    :raises ValueError: if no key is given or a key is invalid (the message
        names the key's position, never the key itself)
    """
    keys = [key for key in KEY_SEPARATOR_RE.split(text or "") if key]
    if not keys:
        raise ValueError("No encryption key is configured")
    for position, key in enumerate(keys, start=1):
        if not FERNET_KEY_RE.fullmatch(key):
            raise ValueError(_invalid_key_message(position))
    return [key.encode("ascii") for key in keys]


def mask(value):
    """Display form of a secret: ``••••`` plus its last 2 characters if long."""
    value = value or ""
    if len(value) >= MASK_MIN_LENGTH:
        return MASK_PREFIX + value[-MASK_VISIBLE_CHARS:]
    return MASK_FULL


class SecretBox:
    """Encrypts with the primary key, decrypts with any configured key.

    :param keys: list of keys (bytes or str), primary first, or a string
        accepted by :func:`parse_keys`
    """

    def __init__(self, keys):
        if isinstance(keys, str):
            keys = parse_keys(keys)
        if not keys:
            raise ValueError("No encryption key is configured")
        fernets = [_fernet(key, position) for position, key in enumerate(keys, 1)]
        self._primary = fernets[0]
        self._all = MultiFernet(fernets)
        self.key_count = len(fernets)

    def __repr__(self):
        return f"<SecretBox with {self.key_count} key(s)>"

    def encrypt(self, plaintext):
        """Encrypt ``plaintext`` with the primary key; return an ASCII token."""
        if not isinstance(plaintext, str):
            raise TypeError(f"Plaintext must be str, got {type(plaintext).__name__}")
        return self._primary.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token):
        """Decrypt a token made with any configured key.

        :raises errors.PermanentError: if no configured key can decrypt it
        """
        try:
            return self._all.decrypt(_token_bytes(token)).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise errors.PermanentError(DECRYPT_ERROR) from exc

    def rotate(self, token):
        """Re-encrypt ``token`` under the primary key (keeps its timestamp)."""
        try:
            return self._all.rotate(_token_bytes(token)).decode("ascii")
        except (InvalidToken, UnicodeError) as exc:
            raise errors.PermanentError(DECRYPT_ERROR) from exc

    def needs_rotation(self, token):
        """True if the primary key cannot decrypt ``token``."""
        try:
            self._primary.decrypt(_token_bytes(token))
        except (InvalidToken, UnicodeError):
            return True
        return False


def _fernet(key, position):
    """A Fernet for ``key``; ValueError naming only the key's position."""
    text = key.decode("ascii", "replace") if isinstance(key, bytes) else str(key)
    if not FERNET_KEY_RE.fullmatch(text):
        raise ValueError(_invalid_key_message(position))
    return Fernet(text.encode("ascii"))


def _invalid_key_message(position):
    """Why key number ``position`` (1-based) was refused, without showing it."""
    return (
        f"Encryption key #{position} is invalid: expected 32 bytes encoded "
        "as 44 url-safe base64 characters (see generate_key())"
    )


def _token_bytes(token):
    """A token as ASCII bytes; str and bytes are accepted."""
    if isinstance(token, bytes):
        return token
    if isinstance(token, str):
        return token.encode("ascii")
    raise TypeError(f"Token must be str or bytes, got {type(token).__name__}")
