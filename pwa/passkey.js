// WebAuthn in the browser: options arrive as JSON, credentials leave as JSON (toJSON()).
// The PRF extension's output keys this phone's drafts; it never leaves the phone.

import { b64urlToBytes, bytesToB64url } from './bytes.js';
import { PRF_SALT } from './vault.js';

function creationOptions(json) {
  const options = PublicKeyCredential.parseCreationOptionsFromJSON
    ? PublicKeyCredential.parseCreationOptionsFromJSON(json)
    : {
      ...json,
      challenge: b64urlToBytes(json.challenge),
      user: { ...json.user, id: b64urlToBytes(json.user.id) },
      excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
    };
  return { ...options, extensions: { ...(options.extensions || {}), prf: { eval: { first: PRF_SALT } } } };
}

function requestOptions(json) {
  const options = PublicKeyCredential.parseRequestOptionsFromJSON
    ? PublicKeyCredential.parseRequestOptionsFromJSON(json)
    : {
      ...json,
      challenge: b64urlToBytes(json.challenge),
      allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
    };
  return { ...options, extensions: { ...(options.extensions || {}), prf: { eval: { first: PRF_SALT } } } };
}

function toJSON(credential) {
  let json;
  if (typeof credential.toJSON === 'function') {
    json = credential.toJSON();
  } else {
    const response = {};
    for (const key of ['clientDataJSON', 'attestationObject', 'authenticatorData', 'signature', 'userHandle']) {
      if (credential.response[key]) response[key] = bytesToB64url(credential.response[key]);
    }
    json = {
      id: credential.id,
      rawId: bytesToB64url(credential.rawId),
      type: credential.type,
      response,
      clientExtensionResults: {},
      authenticatorAttachment: credential.authenticatorAttachment,
    };
  }
  // The PRF output is the draft key's secret: the server must never see it.
  json.clientExtensionResults = {};
  return json;
}

function prfOutput(credential) {
  const results = credential.getClientExtensionResults().prf;
  return results && results.results && results.results.first ? new Uint8Array(results.results.first) : null;
}

// Each returns { json, id, prf }: what to send, the credential id, and the PRF output if any.
export async function createPasskey(optionsJSON) {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(optionsJSON) });
  return { json: toJSON(credential), id: credential.id, prf: prfOutput(credential) };
}

export async function usePasskey(optionsJSON) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(optionsJSON) });
  return { json: toJSON(credential), id: credential.id, prf: prfOutput(credential) };
}

// The recorder proof: a user-verified assertion whose challenge is the content's hash.
export async function prove(challenge, credentialId) {
  const credential = await navigator.credentials.get({
    publicKey: {
      challenge,
      rpId: location.hostname,
      userVerification: 'required',
      timeout: 120_000,
      allowCredentials: credentialId ? [{ type: 'public-key', id: b64urlToBytes(credentialId) }] : [],
    },
  });
  return toJSON(credential);
}

// Unlock without signal: a user-verified assertion by this phone's passkey, evaluated with
// PRF. Its signature is not what counts (nobody here can check it against a fresh server
// challenge); its PRF output is, for only the right passkey's output opens the vault. It
// proves nothing to the server and starts no session.
export async function assertLocally(credentialId) {
  const credential = await navigator.credentials.get({
    publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      rpId: location.hostname,
      userVerification: 'required',
      timeout: 120_000,
      allowCredentials: [{ type: 'public-key', id: b64urlToBytes(credentialId) }],
      extensions: { prf: { eval: { first: PRF_SALT } } },
    },
  });
  // Flags byte of the authenticator data (WebAuthn section 6.1): UV is bit 2.
  const verified = (new Uint8Array(credential.response.authenticatorData)[32] & 0x04) !== 0;
  if (!verified) throw new Error('Your passkey could not confirm it is you. Try again.');
  // No PRF output: the person is verified, but nothing here can open the vault (lock.js says so).
  return { id: credential.id, prf: prfOutput(credential) };
}
