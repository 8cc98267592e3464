// Drafts on the phone, encrypted with AES-GCM under the key the passkey's PRF output gives
// (vault.js), which lives in memory only while the app is unlocked. Locked, or signed in with
// a passkey that offers no PRF, there is no key and drafts are not kept: only sealed
// envelopes wait on the phone. Each draft names the key that sealed it.

import * as db from './db.js';
import { fromUtf8, utf8 } from './bytes.js';
import * as vault from './vault.js';

export const kept = () => vault.isUnlocked();

// Returns false when the draft could not be kept (no key in memory).
export async function save(id, value) {
  const held = vault.draftKey();
  if (!held) return false;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(id) }, held.key, utf8(JSON.stringify(value)));
  await db.put('drafts', { id, key: held.id, iv, data, updated_at: Date.now() });
  return true;
}

export async function load(id) {
  const record = await db.get('drafts', id);
  const held = vault.draftKey();
  if (!record || !held || record.key !== held.id) return null;
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: record.iv, additionalData: utf8(id) }, held.key, record.data);
  return JSON.parse(fromUtf8(new Uint8Array(plain)));
}

export async function rename(from, to) {
  const value = await load(from);
  if (value === null) return;
  await save(to, value);
  await db.remove('drafts', from);
}

export const discard = (id) => db.remove('drafts', id);
