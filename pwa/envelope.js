// Seal a concern to the server's public key: JWE compact serialisation (RFC 7516) with
// alg ECDH-ES, enc A256GCM on P-256 (RFC 7518 sections 4.6 and 5.3), made with WebCrypto.
// The phone keeps no key that opens it again: a stolen phone's outbox stays unreadable.

import { bytesToB64url, concat, utf8 } from './bytes.js';

const ENC = 'A256GCM';

function lengthPrefixed(bytes) {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

// RFC 7518 section 4.6.2: Concat KDF with SHA-256; one round gives the 256-bit key.
export async function concatKdf(sharedSecret, { apu = new Uint8Array(), apv = new Uint8Array() } = {}) {
  const suppPubInfo = new Uint8Array(4);
  new DataView(suppPubInfo.buffer).setUint32(0, 256);
  const input = concat(
    new Uint8Array([0, 0, 0, 1]),
    new Uint8Array(sharedSecret),
    lengthPrefixed(utf8(ENC)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    suppPubInfo,
  );
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input));
}

// `extra`: more protected header parameters (a photo's `cty`: image/jpeg or image/png).
export async function seal(plaintext, recipientJwk, kid, extra = {}) {
  if (recipientJwk.kty !== 'EC' || recipientJwk.crv !== 'P-256') {
    throw new TypeError('the sealing key must be an EC P-256 public key');
  }
  const { subtle } = crypto;
  const recipient = await subtle.importKey(
    'jwk',
    { kty: 'EC', crv: 'P-256', x: recipientJwk.x, y: recipientJwk.y },
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    [],
  );
  const ephemeral = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const shared = await subtle.deriveBits({ name: 'ECDH', public: recipient }, ephemeral.privateKey, 256);
  const epk = await subtle.exportKey('jwk', ephemeral.publicKey);
  const header = {
    alg: 'ECDH-ES',
    enc: ENC,
    kid,
    epk: { kty: 'EC', crv: 'P-256', x: epk.x, y: epk.y },
    ...extra,
  };
  const protectedHeader = bytesToB64url(utf8(JSON.stringify(header)));
  const cek = await subtle.importKey('raw', await concatKdf(shared), 'AES-GCM', false, ['encrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(protectedHeader), tagLength: 128 },
    cek,
    plaintext,
  ));
  const ciphertext = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  return [protectedHeader, '', bytesToB64url(iv), bytesToB64url(ciphertext), bytesToB64url(tag)].join('.');
}

// The first (current) key of the server's JWK set.
export function sealingKey(jwks) {
  const key = (jwks.keys || []).find((k) => k.use === 'enc' && k.alg === 'ECDH-ES');
  if (!key) throw new Error('no sealing key: connect once so the app can fetch it');
  return key;
}

// Seal a JSON document to the server's current key.
export async function sealDocument(document, jwks) {
  const key = sealingKey(jwks);
  return seal(utf8(JSON.stringify(document)), key, key.kid);
}
