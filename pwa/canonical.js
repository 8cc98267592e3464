// RFC 8785 (JSON Canonicalization Scheme): the exact bytes the recorder proof is made over.
// The server hashes the same text (crypto/digest.py), so a single differing byte would make
// every proof fail; tests hold both sides to the same outputs.

function serialise(value) {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    // RFC 8785 section 3.2.2.3: ECMAScript's own number-to-string, which JSON.stringify uses.
    if (!Number.isFinite(value)) throw new TypeError('JSON has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    if (/\p{Surrogate}/u.test(value)) throw new TypeError('lone surrogate in a string');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  if (typeof value === 'object') {
    // Keys sort by UTF-16 code units (section 3.2.3), which is what Array#sort compares.
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${serialise(value[k])}`).join(',')}}`;
  }
  throw new TypeError(`not JSON: ${typeof value}`);
}

export function canonicalJSON(value) {
  return serialise(value);
}

// The WebAuthn challenge that proves a concern: SHA-256 of it without "proof" (docs/contract.md).
export async function proofChallenge(document) {
  const { proof: _ignored, ...body } = document;
  const bytes = new TextEncoder().encode(serialise(body));
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}
