// Drafts on the phone, encrypted with AES-GCM under a non-extractable key kept in IndexedDB.
// Where the passkey offers the PRF extension, the key is derived from its output, so the
// key material exists only while the recorder's authenticator vouches for them; otherwise
// a random non-extractable key is made. Each draft names the key that sealed it.

import * as db from './db.js';
import { fromUtf8, utf8 } from './bytes.js';

// The PRF input: fixed, so one passkey always yields the same draft key.
export const PRF_SALT = utf8('frontline drafts v1');

async function currentKey() {
  const id = await db.get('keys', 'current');
  if (id) {
    const key = await db.get('keys', id);
    if (key) return { id, key };
  }
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  return remember(`random-${crypto.randomUUID()}`, key);
}

async function remember(id, key) {
  await db.put('keys', key, id);
  await db.put('keys', id, 'current');
  return { id, key };
}

// Make the PRF output the draft key from now on (HKDF, so the raw output is never a key).
export async function usePrfOutput(prfOutput, credentialId) {
  const material = await crypto.subtle.importKey('raw', prfOutput, 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8('frontline draft key') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  return remember(`prf-${credentialId}`, key);
}

export async function keyKind() {
  const id = await db.get('keys', 'current');
  return id ? id.split('-')[0] : null;
}

export async function save(id, value) {
  const { id: keyId, key } = await currentKey();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(id) }, key, utf8(JSON.stringify(value)));
  await db.put('drafts', { id, key: keyId, iv, data, updated_at: Date.now() });
}

export async function load(id) {
  const record = await db.get('drafts', id);
  if (!record) return null;
  const key = await db.get('keys', record.key);
  if (!key) return null;
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: record.iv, additionalData: utf8(id) }, key, record.data);
  return JSON.parse(fromUtf8(new Uint8Array(plain)));
}

export async function rename(from, to) {
  const value = await load(from);
  if (value === null) return;
  await save(to, value);
  await db.remove('drafts', from);
}

export const discard = (id) => db.remove('drafts', id);
