// The keys that open what this phone keeps, held in memory only while the app is unlocked.
// Unlocking needs a user-verified passkey assertion whose PRF output gives the draft key;
// locking (idle, closing the app, the server ending the session) forgets them. IndexedDB
// holds the vault's public key and its private key wrapped under the draft key, never a key
// that opens a draft: a phone taken from a locker yields ciphertext.

import * as db from './db.js';
import { utf8 } from './bytes.js';
import { draftKeyFrom, newVault, openVault, openWith, sealTo } from './localseal.js';

// The PRF input: fixed, so one passkey always yields the same draft key.
export const PRF_SALT = utf8('frontline drafts v1');

let held = null; // { credentialId, draftKey, privateKey } while unlocked

export class WrongPasskey extends Error {
  constructor() {
    super('This passkey does not open what is kept on this phone.');
    this.name = 'WrongPasskey';
  }
}

export const stored = () => db.get('meta', 'vault');

// Open the vault of `credentialId` with its PRF output. A first unlock with a passkey makes
// a new vault (what was sealed to an earlier one stays closed). `replace`: the server has
// just vouched for the person, so a vault that will not open is replaced, not a dead end.
export async function unlock(prfOutput, credentialId, { replace = false } = {}) {
  const draftKey = await draftKeyFrom(prfOutput);
  const record = await stored();
  let privateKey = null;
  if (record && record.credential_id === credentialId) {
    privateKey = await openVault(record, draftKey).catch(() => null);
    if (!privateKey && !replace) throw new WrongPasskey();
  }
  if (!privateKey) {
    const made = await newVault(draftKey);
    await db.put('meta', { ...made.record, credential_id: credentialId }, 'vault');
    privateKey = made.privateKey;
  }
  held = { credentialId, draftKey, privateKey };
}

export function lock() {
  held = null;
}

export const isUnlocked = () => held !== null;

// The draft key and the name drafts carry for it (as in version 1, so old drafts open).
export const draftKey = () => (held ? { id: `prf-${held.credentialId}`, key: held.draftKey } : null);

// Seal a value only the unlocked app can read; null where this phone has no vault (a
// passkey without PRF): then the value is not kept at all.
export async function seal(value, label) {
  const record = await stored();
  return record ? sealTo(record.public, value, label) : null;
}

// The value, or null when locked, absent, or sealed to another vault.
export async function open(sealed, label) {
  if (!held || !sealed) return null;
  return openWith(held.privateKey, sealed, label).catch(() => null);
}
