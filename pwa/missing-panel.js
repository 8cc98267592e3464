// On a child's profile: "Report missing" (three taps beyond typing: open, police risk, send;
// the passkey's prompt aside) and, once the report has reached the server, "Found". The
// report is sealed and queued like any concern, so it goes with no signal too; found is an
// addendum to it, sealed and queued the same way (addenda-outbox.js). What the phone
// remembers of the report (which profile, which concern) is sealed to the vault in the
// outbox item's details.

import * as db from './db.js';
import { dateProblems, setupDateFields } from './date-fields.js';
import { $, h, options } from './dom.js';
import { foundAddendum, foundProblems, missingReport, reportProblems } from './missing-report.js';
import { newAddendum } from './addenda-outbox.js';
import { State, newItem } from './outbox.js';
import { proveAndSeal } from './seal.js';
import * as vault from './vault.js';
import { POLICE_RISK } from './vocab.js';

let hooks = { queued: () => null, notify: () => null, home: () => '' };
let shown = null; // { profile_id, profile, name }

const fieldsOf = (form) => Object.fromEntries([...form.elements].filter((el) => el.name).map((el) => [el.name, el.value]));

// The latest report of this profile's child this phone sent: { concern_id, found } or a
// waiting one ({ waiting: true }), or null.
async function lastReport(profileId) {
  let latest = null;
  for (const store of ['outbox', 'sent']) {
    for (const item of await db.all(store)) {
      const details = await vault.open(item.details, `details:${item.client_id}`);
      if (!details || details.kind !== 'missing' || details.profile_id !== profileId) continue;
      if (!latest || item.recorded_at > latest.recorded_at) {
        latest = { store, item, details, waiting: store === 'outbox' || !item.concern_id };
      }
    }
  }
  return latest;
}

export async function show(read) {
  const subject = read.profile.subject || {};
  shown = { profile_id: read.profile_id, profile: read.profile, name: [subject.given_name, subject.family_name].filter(Boolean).join(' ') || (subject.known_as || [])[0] || 'this child' };
  $('rm-name').textContent = shown.name;
  $('report-missing').hidden = true;
  $('found-form').hidden = true;
  $('rm-wearing').value = (read.profile.description || {}).usual_clothing || '';
  const last = await lastReport(read.profile_id);
  const [found] = last && last.item.concern_id ? await foundFor(last.item.concern_id) : [];
  const refused = found && found.state === State.REJECTED;
  const missing = last && (!last.details.found || refused);
  $('missing-state').textContent = refused
    ? `Found could not be recorded (${found.error.detail || found.error.code}). Record found again.`
    : found ? `${shown.name} is recorded as found; it is waiting for signal.`
      : !missing ? '' : last.waiting
        ? `${shown.name} is reported missing; the report is waiting for signal.`
        : `${shown.name} is reported missing.`;
  $('report-missing-open').hidden = Boolean(missing || found);
  $('found-open').hidden = !missing || last.waiting;
  $('missing-panel').hidden = false;
}

export function hide() {
  shown = null;
  $('missing-panel').hidden = true;
}

async function report(event) {
  event.preventDefault();
  const answers = fieldsOf($('report-missing'));
  const found = [...reportProblems(answers), ...dateProblems($('report-missing'))];
  $('rm-errors').replaceChildren(...found.map((p) => h('li', {}, p.message)));
  if (found.length) return;
  const clientId = crypto.randomUUID();
  const concern = missingReport(shown.profile, answers, { clientId, home: hooks.home() });
  const jwe = await proveAndSeal(concern);
  const details = await vault.seal({ kind: 'missing', profile_id: shown.profile_id, name: shown.name, found: false }, `details:${clientId}`);
  await db.put('outbox', newItem({ clientId, jwe, recordedAt: concern.recorded_at, details, now: Date.now() }));
  hooks.notify(navigator.onLine ? `Sealed. Reporting ${shown.name} missing…` : `Sealed. ${shown.name}'s missing report will be sent when there is signal.`);
  hooks.queued();
  location.hash = '#/';
}

async function recordFound(event) {
  event.preventDefault();
  const last = await lastReport(shown.profile_id);
  if (!last || last.waiting) {
    hooks.notify('The missing report has not reached the server yet: record found once it has.');
    return;
  }
  const problems = [...dateProblems($('found-form')), ...foundProblems(fieldsOf($('found-form')))];
  $('found-errors').replaceChildren(...problems.map((p) => h('li', {}, p.message)));
  if (problems.length) return;
  const clientId = crypto.randomUUID();
  const concernId = last.item.concern_id;
  const addendum = foundAddendum(concernId, fieldsOf($('found-form')), { clientId });
  const jwe = await proveAndSeal(addendum);
  // A refused earlier attempt gives way to this one; queued like the report, so it goes
  // now or when the signal returns (sync.js).
  for (const old of await foundFor(concernId)) await db.remove('addenda', old.client_id);
  await db.put('addenda', newAddendum({ clientId, concernId, jwe, now: Date.now() }));
  const details = await vault.seal({ ...last.details, found: true }, `details:${last.item.client_id}`);
  await db.put('sent', { ...last.item, details });
  hooks.notify(navigator.onLine
    ? `Sealed. ${shown.name} is recorded as found; the missing episode closes when it reaches the server.`
    : `Sealed. ${shown.name} is recorded as found; it will be sent when there is signal.`);
  hooks.queued();
  location.hash = '#/profiles';
}

// The found addenda of a report still on this phone: waiting to be sent, or refused.
const foundFor = async (concernId) => (await db.all('addenda')).filter((a) => a.concern_id === concernId);

export function setup({ queued, notify, home }) {
  hooks = { queued, notify, home };
  setupDateFields($('report-missing'));
  setupDateFields($('found-form'));
  options($('rm-risk'), POLICE_RISK, { empty: 'Choose' });
  $('report-missing-open').addEventListener('click', () => {
    $('report-missing').hidden = false;
    $('rm-where').focus();
  });
  $('found-open').addEventListener('click', () => {
    $('found-form').hidden = false;
    $('found-where').focus();
  });
  $('report-missing').addEventListener('submit', (e) => report(e).catch(notify));
  $('found-form').addEventListener('submit', (e) => recordFound(e).catch(notify));
}
