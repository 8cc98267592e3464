import assert from 'node:assert/strict';
import { test } from 'node:test';

import { flushAddenda, newAddendum } from '../../pwa/addenda-outbox.js';
import { State } from '../../pwa/outbox.js';
import { flushPhotos, newPhoto } from '../../pwa/photo-outbox.js';
import { fitWithin } from '../../pwa/photos.js';
import { buildProfile, linesOf, problems, reviewFrom, stateOf } from '../../pwa/profile-doc.js';
import { foundAddendum, foundProblems, missingReport, reportProblems } from '../../pwa/missing-report.js';
import { memoryStore } from './fixtures.mjs';

const STATE = {
  given_name: ' Zoë ', family_name: "O'Brien", known_as: 'Zee\n', date_of_birth: '2011-03-09', nhs_number: '',
  height_cm: '158', build: '', hair: 'dark brown', eyes: '', skin: '', distinguishing_features: '',
  usual_clothing: 'black puffer jacket', languages: '', needs: '', medication: 'inhaler', allergies: '',
  adults: 'Ricky\n', friends: 'Amir\nJess', places: 'the takeaway on Cowley Road', phones: '07700 900456',
  accounts: 'Snapchat: zee_11\nhandle_only', review_due: '2027-03-03',
};
const PHOTO = { attachment: 'a1', sha256: 'f'.repeat(64), taken_at: '2026-12-03T21:00:00Z', before: 10, after: 5 };

test('a profile is built from the form, lists one a line, photos as the contract names them', () => {
  const doc = buildProfile(STATE, { clientId: 'c1', profileId: 'p1', recordedAt: 'now', photos: [PHOTO] });
  assert.equal(doc.schema, 'frontline.profile/1');
  assert.deepEqual(doc.subject, { given_name: 'Zoë', family_name: "O'Brien", known_as: ['Zee'], date_of_birth: '2011-03-09' });
  assert.deepEqual(doc.description, { height_cm: 158, hair: 'dark brown', usual_clothing: 'black puffer jacket' });
  assert.deepEqual(doc.health, { medication: 'inhaler' });
  assert.deepEqual(doc.associates, [
    { kind: 'adult_of_concern', name: 'Ricky' }, { kind: 'peer', name: 'Amir' }, { kind: 'peer', name: 'Jess' },
  ]);
  assert.deepEqual(doc.accounts, [{ platform: 'Snapchat', handle: 'zee_11' }, { platform: 'not known', handle: 'handle_only' }]);
  assert.deepEqual(doc.photos, [{ attachment: 'a1', sha256: 'f'.repeat(64), taken_at: '2026-12-03T21:00:00Z' }]);
  assert.equal(doc.profile_id, 'p1');
  // Read back for editing: the same form.
  const again = stateOf(doc);
  assert.equal(again.friends, 'Amir\nJess');
  assert.equal(again.accounts, 'Snapchat: zee_11\nnot known: handle_only');
  assert.equal(again.height_cm, '158');
});

test('problems name what is missing in the form\'s words', () => {
  assert.deepEqual(problems(STATE), []);
  const found = problems({ ...STATE, given_name: '', family_name: '', known_as: '', date_of_birth: '', height_cm: '9' });
  assert.deepEqual(found.map((p) => p.field), ['given_name', 'date_of_birth', 'height_cm']);
  assert.deepEqual(linesOf(' a \n\n b '), ['a', 'b']);
  assert.equal(reviewFrom(new Date(2026, 11, 3)), '2027-03-03');
});

test('a photo is drawn no larger than 1,600 px on its longest side, never enlarged', () => {
  assert.deepEqual(fitWithin(4032, 3024), { width: 1600, height: 1200 });
  assert.deepEqual(fitWithin(3024, 4032), { width: 1200, height: 1600 });
  assert.deepEqual(fitWithin(640, 480), { width: 640, height: 480 });
});

test('photos leave only when accepted or duplicate; a lost signal keeps them; a refusal is final', async () => {
  const store = memoryStore([
    newPhoto({ clientId: 'p1', jwe: 'j1', now: 1 }),
    newPhoto({ clientId: 'p2', jwe: 'j2', now: 2 }),
    newPhoto({ clientId: 'p3', jwe: 'j3', now: 3 }),
  ]);
  const answers = {
    p1: () => ({ attachment_id: 'x', status: 'duplicate' }),
    p2: () => { throw new TypeError('Failed to fetch'); },
    p3: () => { throw Object.assign(new Error('not the image'), { status: 422, code: 'attachment.hash_mismatch' }); },
  };
  const sent = [];
  const summary = await flushPhotos({ store, send: async (item) => { sent.push(item.jwe); return answers[item.client_id](); }, now: 10, random: () => 0 });
  assert.deepEqual(sent, ['j1', 'j2', 'j3']);
  assert.deepEqual({ ...summary }, { sent: 1, rejected: 1, failed: 1, stop: null });
  const left = Object.fromEntries((await store.all()).map((i) => [i.client_id, i]));
  assert.deepEqual(Object.keys(left).sort(), ['p2', 'p3']);
  assert.equal(left.p2.state, State.WAITING);
  assert.equal(left.p2.jwe, 'j2'); // the very same sealed bytes go again
  assert.ok(left.p2.next_at > 10);
  assert.equal(left.p3.state, State.REJECTED);
  assert.equal(left.p3.error.code, 'attachment.hash_mismatch');
  const stopped = await flushPhotos({ store, send: async () => { throw Object.assign(new Error('x'), { status: 401, code: 'session.expired' }); }, now: 10 ** 9, random: () => 0 });
  assert.equal(stopped.stop, 'session.expired');
});

test('found waits on the phone until its concern takes it; a refused one is kept, "not yet" goes again', async () => {
  const store = memoryStore([
    newAddendum({ clientId: 'f1', concernId: 'c1', jwe: 'j1', now: 1 }),
    newAddendum({ clientId: 'f2', concernId: 'c2', jwe: 'j2', now: 2 }),
    newAddendum({ clientId: 'f3', concernId: 'c3', jwe: 'j3', now: 3 }),
    newAddendum({ clientId: 'f4', concernId: 'c4', jwe: 'j4', now: 4 }),
  ]);
  const answers = {
    f1: () => ({ client_id: 'f1', status: 'accepted', addendum_id: 'a1' }),
    f2: () => ({ client_id: 'f2', status: 'rejected', error: { code: 'addendum.found_before_reported', detail: 'Found before reported.' } }),
    f3: () => ({ client_id: 'f3', status: 'rejected', error: { code: 'envelope.in_progress', detail: 'Still in progress.' } }),
    f4: () => { throw new TypeError('Failed to fetch'); },
  };
  const to = [];
  const summary = await flushAddenda({ store, send: async (item) => { to.push(item.concern_id); return answers[item.client_id](); }, now: 10, random: () => 0 });
  assert.deepEqual(to, ['c1', 'c2', 'c3', 'c4']);
  assert.deepEqual({ ...summary }, { sent: 1, rejected: 1, failed: 2, stop: null });
  const left = Object.fromEntries((await store.all()).map((i) => [i.client_id, i]));
  assert.deepEqual(Object.keys(left).sort(), ['f2', 'f3', 'f4']);
  assert.equal(left.f2.state, State.REJECTED);
  assert.equal(left.f2.error.code, 'addendum.found_before_reported');
  for (const id of ['f3', 'f4']) {
    assert.equal(left[id].state, State.WAITING);
    assert.ok(left[id].next_at > 10);
  }
});

test('a missing report from the profile is a concern about its child that opens an episode', () => {
  const profile = { subject: { given_name: 'Zoë', date_of_birth: '2011-03-09' }, description: {} };
  const answers = { last_seen: '2026-12-03T21:30', where: 'the front gate', wearing: 'grey hoodie', with_whom: '', police_risk: 'high' };
  assert.deepEqual(reportProblems(answers), []);
  assert.deepEqual(reportProblems({ where: '' }).map((p) => p.field), ['police_risk', 'where']);
  const now = new Date(2026, 11, 3, 22, 0);
  const concern = missingReport(profile, answers, { clientId: 'c1', home: "Oakview Children's Home", now });
  assert.deepEqual(concern.subject, profile.subject);
  assert.deepEqual(concern.categories, ['missing']);
  assert.equal(concern.missing.missing_from, "Oakview Children's Home");
  assert.equal(concern.missing.police_risk, 'high');
  assert.ok(concern.missing.reported_at.startsWith('2026-12-03T22:00:00'));
  assert.equal(concern.missing.found_at, undefined); // no found_at: it opens the episode
  assert.match(concern.narrative, /^Last seen 3 Dec 2026, 21:30 at the front gate\.\nWearing: grey hoodie\./);
  assert.doesNotMatch(concern.narrative, /With:/);
  assert.deepEqual(concern.sharing, { consent: 'not_sought', not_sought_reason: 'delay' });
  const found = foundAddendum('k1', { found_at: '', where: 'bus station', by_whom: 'PC Okafor', with_whom: '' }, { clientId: 'a1', now });
  assert.equal(found.concern_id, 'k1');
  assert.deepEqual(Object.keys(found.missing), ['found_at', 'found_where']);
  assert.equal(found.text, 'Found at bus station. Found by: PC Okafor.');
});

test('a time found in the future is named before the return is sealed', () => {
  const later = new Date(Date.now() + 3 * 60 * 60 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  assert.deepEqual(foundProblems({ found_at: local(later) }), [{ field: 'found_at', message: 'The time found is in the future.' }]);
  assert.deepEqual(foundProblems({ found_at: '' }), []); // just now
  assert.deepEqual(foundProblems({ found_at: local(new Date(Date.now() - 60_000)) }), []);
});
