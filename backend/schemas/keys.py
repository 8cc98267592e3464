"""Schemas of the sealing key set (docs/contract.md, GET /api/v1/keys)."""

from marshmallow import Schema, fields, validate


class SealingKeySchema(Schema):
    """One sealing public key as a JWK (RFC 7517; EC P-256 per RFC 7518 section 6.2)."""

    kid = fields.String(required=True)
    kty = fields.String(required=True, validate=validate.Equal("EC"))
    crv = fields.String(required=True, validate=validate.Equal("P-256"))
    x = fields.String(required=True)
    y = fields.String(required=True)
    use = fields.String(required=True, validate=validate.Equal("enc"))
    alg = fields.String(required=True, validate=validate.Equal("ECDH-ES"))


class KeySetSchema(Schema):
    """The JWK set; the first key is the current one to seal to."""

    keys = fields.List(fields.Nested(SealingKeySchema), required=True)
