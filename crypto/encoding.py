"""Strict base64url (RFC 4648 section 5, unpadded, as RFC 7515 section 2 requires)."""

import base64
import binascii
import re

# ASCII letters and digits, "-" and "_": no flags, so no other script's letters or digits
# (as \w or IGNORECASE would let in); used with fullmatch, so no newline at the end.
_B64URL = re.compile("[A-Za-z0-9_-]*")


def is_b64url(text: str) -> bool:
    """Whether ``text`` uses base64url's alphabet alone (unpadded)."""
    return _B64URL.fullmatch(text) is not None


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url text, refusing padding, foreign characters and lax forms.

    WARNING: raises ``ValueError``; callers translate it into their own domain error.
    """
    if not is_b64url(text) or len(text) % 4 == 1:
        raise ValueError("not strict unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the regex already screens
        raise ValueError("not base64url") from exc
    # Non-canonical encodings (stray low bits in the last character) would let two strings
    # stand for one value; refuse them so every envelope has exactly one spelling.
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data
