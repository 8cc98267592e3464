"""One exception hierarchy for everything the crypto package refuses.

Each class carries a stable ``code`` so the HTTP layer can map it to a problem document
in one place without inspecting messages.
"""


class CryptoError(Exception):
    """Base class of every error raised by the crypto package."""

    code = "crypto.error"


class EnvelopeInvalid(CryptoError):
    """A sealed envelope (JWE) was refused."""

    code = "envelope.invalid"


class EnvelopeMalformed(EnvelopeInvalid):
    """The compact serialisation is not five strict base64url parts with a JSON header."""

    code = "envelope.malformed"


class EnvelopeTooLarge(EnvelopeInvalid):
    """The envelope is over the size limit and was not parsed."""

    code = "envelope.too_large"


class UnsupportedAlgorithm(EnvelopeInvalid):
    """The header names an algorithm or parameter outside the allow-list."""

    code = "envelope.alg_unsupported"


class UnknownKey(EnvelopeInvalid):
    """The header's ``kid`` names no sealing key in the key ring."""

    code = "envelope.kid_unknown"


class InvalidEphemeralKey(EnvelopeInvalid):
    """The ephemeral public key is missing, malformed or not on P-256."""

    code = "envelope.epk_invalid"


class DecryptionFailed(EnvelopeInvalid):
    """Authenticated decryption failed: the envelope or its header was altered."""

    code = "envelope.decryption_failed"


class FieldDecryptionFailed(CryptoError):
    """A stored ciphertext failed authentication (altered, moved, or wrong key)."""

    code = "crypto.field_decryption_failed"


class DataKeyUnavailable(CryptoError):
    """A record's data key cannot be unwrapped (its KEK was retired, or it was shredded)."""

    code = "crypto.data_key_unavailable"


class KeyRingError(CryptoError):
    """The key ring is missing, unreadable, unsafe or malformed."""

    code = "keyring.invalid"


class InvalidIdentifier(CryptoError):
    """An identifier cannot be normalised (for example an NHS number with a bad check digit)."""

    code = "identifier.invalid"


class EscrowError(CryptoError):
    """A key ring escrow cannot be opened: wrong passphrase, altered, or not an escrow."""

    code = "escrow.invalid"
