import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { accept, check, compile, counts } from '../../pwa/lint.js';

const terms = compile(JSON.parse(readFileSync(new URL('../../pwa/language.json', import.meta.url))));

test('every term in the guidance table is flagged, case-insensitively', () => {
  const samples = {
    self_at_risk: 'She keeps Putting Herself at risk.',
    sexual_activity: 'He is sexually active.',
    contacting_adults: 'She was contacting older men online.',
    exchange: 'alcohol in return for sex',
    involved_in: 'He is involved in county lines.',
    prostitution: 'staff said she was prostituting herself',
    relationship: 'her older boyfriend collected her',
    images: 'caught sexting',
    choices: 'a lifestyle choice',
    exploiters_words: 'he was recruited at school',
    going_missing: 'she keeps going missing',
    dehumanising: 'used as a money mule',
    engagement: 'mother says she is hard to reach',
    judgement: 'a willful, streetwise girl',
  };
  for (const [id, text] of Object.entries(samples)) {
    const found = check(text, terms);
    assert.ok(found.some((f) => f.id === id), `${id}: ${text}`);
  }
  assert.equal(Object.keys(samples).length, terms.length);
});

test('plain factual writing is not flagged', () => {
  const text = 'Found at 02:10 getting out of a grey car driven by an adult male. She said he gave her a phone.';
  assert.deepEqual(check(text, terms), []);
});

test('findings carry positions, why and suggestions; the longest overlapping phrase wins', () => {
  const text = 'Described as prostituting herself. Child prostitution suspected.';
  const found = check(text, terms);
  assert.deepEqual(found.map((f) => f.text), ['prostituting herself', 'Child prostitution']);
  assert.equal(text.slice(found[0].start, found[0].end), 'prostituting herself');
  assert.match(found[0].why, /cannot be a prostitute/);
  assert.ok(found[0].replacements.length > 0);
});

test('accepting a suggestion replaces exactly the flagged phrase', () => {
  const text = 'She was putting herself at risk again.';
  const [finding] = check(text, terms);
  assert.equal(accept(text, finding, finding.replacements[0]), `She was ${finding.replacements[0]} again.`);
  // A stale finding (the text moved on) changes nothing.
  assert.equal(accept('changed', finding, 'x'), 'changed');
});

test('counts per term are what the server aggregates', () => {
  assert.deepEqual(counts('willful. Wilful! hard to reach', terms), { judgement: 2, engagement: 1 });
});
