// Prove and seal on the phone: the recorder's passkey signs the content's canonical hash,
// then the document (proof included) is sealed to the server's current key. Works offline
// with the key set fetched on the last connection.

import { request } from './api.js';
import { proofChallenge } from './canonical.js';
import * as db from './db.js';
import { sealDocument } from './envelope.js';
import { prove } from './passkey.js';

export async function refreshSealingKeys() {
  const jwks = await request('GET', '/keys');
  await db.put('meta', jwks, 'jwks');
  return jwks;
}

export async function sealingKeys() {
  const cached = await db.get('meta', 'jwks');
  if (cached && !navigator.onLine) return cached;
  try {
    return await refreshSealingKeys();
  } catch (error) {
    if (cached) return cached;
    throw error;
  }
}

export async function proveAndSeal(document) {
  const challenge = await proofChallenge(document);
  const credential = await prove(challenge, await db.get('meta', 'credential_id'));
  return sealDocument({ ...document, proof: { type: 'webauthn', credential } }, await sealingKeys());
}
