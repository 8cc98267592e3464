import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { b64urlToBytes, fromUtf8, utf8 } from '../../pwa/bytes.js';
import { concatKdf, seal, sealDocument } from '../../pwa/envelope.js';

const vectors = JSON.parse(readFileSync(new URL('../vectors/jwe.json', import.meta.url)));
const { jwk, kid } = vectors.recipient;

// Open a compact JWE with the vector's private key: what the server does, in WebCrypto.
async function open(compact) {
  const [h, ek, iv, ct, tag] = compact.split('.');
  assert.equal(ek, '', 'ECDH-ES direct agreement has an empty encrypted key');
  const header = JSON.parse(fromUtf8(b64urlToBytes(h)));
  assert.equal(header.alg, 'ECDH-ES');
  assert.equal(header.enc, 'A256GCM');
  const priv = await crypto.subtle.importKey('jwk', { ...jwk, ext: true }, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const epk = await crypto.subtle.importKey('jwk', header.epk, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: epk }, priv, 256);
  const party = { apu: header.apu ? b64urlToBytes(header.apu) : undefined, apv: header.apv ? b64urlToBytes(header.apv) : undefined };
  const cek = await crypto.subtle.importKey('raw', await concatKdf(shared, party), 'AES-GCM', false, ['decrypt']);
  const sealed = new Uint8Array([...b64urlToBytes(ct), ...b64urlToBytes(tag)]);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: b64urlToBytes(iv), additionalData: utf8(h) }, cek, sealed);
  return { header, text: fromUtf8(new Uint8Array(plain)) };
}

test('the Concat KDF opens every valid vector sealed by the server side and by joserfc', async () => {
  assert.ok(vectors.valid.length >= 2);
  for (const vector of vectors.valid) {
    const { text } = await open(vector.jwe);
    assert.equal(text, vectors.plaintext, vector.name);
  }
});

test('what the phone seals opens to the same bytes, with the kid in the protected header', async () => {
  const compact = await seal(utf8(vectors.plaintext), jwk, kid);
  assert.equal(compact.split('.').length, 5);
  const { header, text } = await open(compact);
  assert.equal(header.kid, kid);
  assert.deepEqual(Object.keys(header.epk).sort(), ['crv', 'kty', 'x', 'y']);
  assert.equal(text, vectors.plaintext);
});

test('two seals of one document differ (fresh ephemeral key and IV)', async () => {
  const a = await seal(utf8('same'), jwk, kid);
  const b = await seal(utf8('same'), jwk, kid);
  assert.notEqual(a, b);
});

test('a tampered protected header no longer opens', async () => {
  const compact = await seal(utf8('x'), jwk, kid);
  const parts = compact.split('.');
  const header = JSON.parse(fromUtf8(b64urlToBytes(parts[0])));
  header.kid = 'other';
  parts[0] = Buffer.from(JSON.stringify(header)).toString('base64url');
  await assert.rejects(open(parts.join('.')));
});

test('sealDocument uses the first encryption key of the set and refuses an empty set', async () => {
  const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, use: 'enc', alg: 'ECDH-ES' }] };
  const { text } = await open(await sealDocument({ a: 'é' }, jwks));
  assert.deepEqual(JSON.parse(text), { a: 'é' });
  await assert.rejects(sealDocument({ a: 1 }, { keys: [] }), /no sealing key/);
  await assert.rejects(seal(utf8('x'), { kty: 'RSA' }, kid), TypeError);
});
