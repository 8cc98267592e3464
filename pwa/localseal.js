// What the phone keeps about its own concerns, sealed so that only the passkey opens it.
// The draft key comes from the passkey's PRF output (HKDF, so the raw output is never a key);
// it wraps this phone's vault key pair, whose public half lets anyone on the phone (the
// page while locked, the service worker after a Background Sync) seal a small value that
// only the unlocked app can open. Pure WebCrypto: no storage, no DOM.

import { fromUtf8, utf8 } from './bytes.js';

const { subtle } = globalThis.crypto;
const CURVE = { name: 'ECDH', namedCurve: 'P-256' };
const VAULT_AAD = utf8('frontline vault v1');

// The same derivation as the key version 1 kept in IndexedDB, so drafts sealed under that
// stored key open again once the passkey gives its PRF output; the key is never stored.
export async function draftKeyFrom(prfOutput) {
  const material = await subtle.importKey('raw', prfOutput, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8('frontline draft key') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
  );
}

// A new vault: its private key leaves this function only wrapped, and as a non-extractable
// CryptoKey for memory.
export async function newVault(draftKey) {
  const pair = await subtle.generateKey(CURVE, true, ['deriveBits']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const wrapped = new Uint8Array(await subtle.wrapKey('pkcs8', pair.privateKey, draftKey, { name: 'AES-GCM', iv, additionalData: VAULT_AAD }));
  const { kty, crv, x, y } = await subtle.exportKey('jwk', pair.publicKey);
  const record = { public: { kty, crv, x, y }, iv, wrapped };
  return { record, privateKey: await openVault(record, draftKey) };
}

// Throws (OperationError) when the draft key is not the one that wrapped it: another passkey.
export function openVault(record, draftKey) {
  return subtle.unwrapKey('pkcs8', record.wrapped, draftKey, { name: 'AES-GCM', iv: record.iv, additionalData: VAULT_AAD }, CURVE, false, ['deriveBits']);
}

async function boxKey(shared, epk, usage) {
  const material = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: epk, info: utf8('frontline local seal v1') }, material, { name: 'AES-GCM', length: 256 }, false, [usage]);
}

// Seal a JSON value to the vault's public key. The label binds it to its place (a concern's
// client_id, "profile"), so sealed values cannot be swapped between records.
export async function sealTo(publicJwk, value, label) {
  const recipient = await subtle.importKey('jwk', publicJwk, CURVE, false, []);
  const ephemeral = await subtle.generateKey(CURVE, false, ['deriveBits']);
  const shared = await subtle.deriveBits({ name: 'ECDH', public: recipient }, ephemeral.privateKey, 256);
  const epk = new Uint8Array(await subtle.exportKey('raw', ephemeral.publicKey));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await boxKey(shared, epk, 'encrypt');
  const data = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(label) }, key, utf8(JSON.stringify(value))));
  return { epk, iv, data };
}

export async function openWith(privateKey, sealed, label) {
  const ephemeral = await subtle.importKey('raw', sealed.epk, CURVE, false, []);
  const shared = await subtle.deriveBits({ name: 'ECDH', public: ephemeral }, privateKey, 256);
  const key = await boxKey(shared, sealed.epk, 'decrypt');
  const plain = await subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: utf8(label) }, key, sealed.data);
  return JSON.parse(fromUtf8(new Uint8Array(plain)));
}
