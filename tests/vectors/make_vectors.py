"""Regenerate jwe.json: envelope test vectors shared by the server's and the PWA's tests.

The recipient key here is test material, published on purpose; no deployment uses it.
Run: python tests/vectors/make_vectors.py
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwe
from joserfc.jwk import ECKey

import crypto
from crypto.encoding import b64url_decode, b64url_encode
from crypto.jwe import public_jwk

HERE = Path(__file__).parent
KID = "vector-seal-1"


def _header(**fields: object) -> str:
    return b64url_encode(json.dumps(fields, separators=(",", ":")).encode())


def main() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pub = private.public_key()
    jwk = {
        **public_jwk(pub),
        "d": b64url_encode(private.private_numbers().private_value.to_bytes(32, "big")),
    }
    plaintext = json.dumps(
        {"schema": "frontline.concern/1", "narrative": "Vector: café, naïve, 🙂 — UTF-8 intact."},
        ensure_ascii=False,
    )
    ours = crypto.seal_envelope(plaintext.encode(), pub, kid=KID)
    theirs = jwe.encrypt_compact(
        {"alg": "ECDH-ES", "enc": "A256GCM", "kid": KID}, plaintext.encode(), ECKey.import_key(jwk)
    )
    with_party = crypto.seal_envelope(
        plaintext.encode(),
        pub,
        kid=KID,
        extra_header={"apu": b64url_encode(b"phone"), "apv": b64url_encode(b"server")},
    )
    h, ek, iv, ct, tag = ours.split(".")
    header = json.loads(b64url_decode(h))
    epk = header["epk"]
    off_curve = dict(
        epk,
        y=b64url_encode(
            ((int.from_bytes(b64url_decode(epk["y"]), "big") + 1) % 2**256).to_bytes(32, "big")
        ),
    )

    def hdr(**changes: object) -> str:
        fields = {k: v for k, v in {**header, **changes}.items() if v is not None}
        return ".".join((_header(**fields), ek, iv, ct, tag))

    bad_tag = bytearray(b64url_decode(tag))
    bad_tag[-1] ^= 1
    tampered = ".".join((h, ek, iv, ct, b64url_encode(bytes(bad_tag))))
    not_json = ".".join((b64url_encode(b"{not json"), ek, iv, ct, tag))
    invalid = [
        ("unknown kid", hdr(kid="no-such-key"), "envelope.kid_unknown"),
        ("missing kid", hdr(kid=None), "envelope.kid_unknown"),
        ("alg none", hdr(alg="none"), "envelope.alg_unsupported"),
        ("alg dir", hdr(alg="dir"), "envelope.alg_unsupported"),
        ("alg RSA1_5", hdr(alg="RSA1_5"), "envelope.alg_unsupported"),
        ("alg ECDH-ES+A256KW", hdr(alg="ECDH-ES+A256KW"), "envelope.alg_unsupported"),
        ("enc A128GCM", hdr(enc="A128GCM"), "envelope.alg_unsupported"),
        ("enc A256CBC-HS512", hdr(enc="A256CBC-HS512"), "envelope.alg_unsupported"),
        ("zip DEF", hdr(zip="DEF"), "envelope.alg_unsupported"),
        ("jku header", hdr(jku="https://attacker.example/keys"), "envelope.alg_unsupported"),
        ("jwk header", hdr(jwk=epk), "envelope.alg_unsupported"),
        ("crit header", hdr(crit=["exp"]), "envelope.alg_unsupported"),
        ("epk off curve", hdr(epk=off_curve), "envelope.epk_invalid"),
        ("epk wrong curve", hdr(epk=dict(epk, crv="P-384")), "envelope.epk_invalid"),
        ("epk missing", hdr(epk=None), "envelope.epk_invalid"),
        ("epk with private part", hdr(epk=dict(epk, d=jwk["d"])), "envelope.epk_invalid"),
        ("bad tag", tampered, "envelope.decryption_failed"),
        ("four parts", ".".join((h, ek, iv, ct)), "envelope.malformed"),
        ("six parts", ours + ".", "envelope.malformed"),
        ("padded part", ".".join((h, ek, iv, ct, tag + "==")), "envelope.malformed"),
        ("encrypted key present", ".".join((h, "AAAA", iv, ct, tag)), "envelope.malformed"),
        ("short iv", ".".join((h, ek, iv[:-2], ct, tag)), "envelope.malformed"),
        ("header not json", not_json, "envelope.malformed"),
        ("header not base64url", ".".join(("e30+", ek, iv, ct, tag)), "envelope.malformed"),
    ]
    doc = {
        "description": "JWE (RFC 7516) ECDH-ES + A256GCM on P-256 test vectors. TEST KEY ONLY.",
        "recipient": {"kid": KID, "jwk": jwk},
        "plaintext": plaintext,
        "valid": [
            {"name": "sealed by frontline crypto", "jwe": ours},
            {"name": "sealed by joserfc", "jwe": theirs},
            {"name": "with apu and apv", "jwe": with_party},
        ],
        "invalid": [{"name": n, "jwe": j, "code": c} for n, j, c in invalid],
    }
    (HERE / "jwe.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
