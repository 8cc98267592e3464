import assert from 'node:assert/strict';
import { test } from 'node:test';

import { canonicalJSON, proofChallenge } from '../../pwa/canonical.js';

test('RFC 8785 appendix sample canonicalises exactly', () => {
  const input = JSON.parse(
    '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],'
    + '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
    + '"literals":[null,true,false]}',
  );
  assert.equal(
    canonicalJSON(input),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    + '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

test('keys sort by UTF-16 code units, not by code point', () => {
  // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB01 (FB01 > D83D).
  const doc = { '\uFB01': 1, '\u{1F600}': 2, a: 3, '\u00e9': 4 };
  assert.equal(canonicalJSON(doc), '{"a":3,"é":4,"😀":2,"ﬁ":1}');
});

test('undefined members are left out and nesting is compact', () => {
  assert.equal(canonicalJSON({ b: [1, { d: undefined, c: 'x' }], a: null }), '{"a":null,"b":[1,{"c":"x"}]}');
});

test('non-JSON values are refused', () => {
  assert.throws(() => canonicalJSON({ n: NaN }), TypeError);
  assert.throws(() => canonicalJSON({ s: '\ud800' }), TypeError);
});

test('the proof challenge ignores the proof member', async () => {
  const body = { schema: 'frontline.concern/1', narrative: 'x' };
  const a = await proofChallenge(body);
  const b = await proofChallenge({ ...body, proof: { type: 'webauthn', credential: {} } });
  assert.deepEqual(a, b);
  assert.equal(a.length, 32);
  assert.notDeepEqual(a, await proofChallenge({ ...body, narrative: 'y' }));
});
