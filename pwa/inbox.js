// Inbox work at a desk or on a phone (online): inboxes, deliveries most urgent first, a
// concern opened with a purpose, acknowledge, decide, addendum, the child's chronology,
// alerts and their network.

import { request } from './api.js';
import { challengesByDelivery, decidedNote } from './challenges.js';
import { profileSection } from './profile-view.js';
import { rfc3339 } from './concern.js';
import { ukDate } from './dates.js';
import { $, countdown, counted, h, options, when } from './dom.js';
import { drawNetwork } from './graph.js';
import { byRoutingOrder } from './home.js';
import { mashLine } from './matches.js';
import { paintLinks } from './missing.js';
import { proveAndSeal } from './seal.js';
import * as vocab from './vocab.js';

const L = vocab.label;
let lastPurpose = null;

const card = (href, ...children) => h('li', {}, h('a', { class: 'card', href }, ...children));

// An inbox with what waits in it (the home and the inboxes screen).
export const queueCard = (i) => card(`#/inbox/${i.id}`,
  h('strong', {}, i.name), h('span', { class: 'muted' }, i.agency),
  h('span', { class: 'counts' }, h('span', { class: i.new ? 'pill new' : 'pill' }, `${i.new} new`),
    h('span', { class: i.overdue ? 'pill overdue' : 'pill' }, `${i.overdue} overdue`)));

// Times inside a reason ("overdue in MASH since 2026-12-03T04:04:00+00:00") the UK way.
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?/g;
export const inWords = (text) => String(text || '').replace(ISO, (iso) => when(iso));

export async function showInboxes({ frontDoor = false } = {}) {
  // The MASH's line comes with the list, asked for only by those who work the front door.
  const [{ inboxes }, line] = await Promise.all([request('GET', '/inboxes'), frontDoor ? mashLine() : null]);
  $('mash-line').replaceChildren(...(line ? [line] : []));
  $('inbox-list').replaceChildren(...inboxes.map(queueCard));
}

let shownInbox = null; // the inbox on screen, to refresh it
const listed = new Map(); // delivery id -> the delivery as last listed, to open it in its state

export const refreshInbox = () => (shownInbox ? showInbox(shownInbox, $('inbox-filter').value) : null);

export async function showInbox(inboxId, status = 'open') {
  // Another inbox than the one last shown: never its deliveries under this one's name.
  if (inboxId !== shownInbox) {
    $('inbox-title').textContent = 'Inbox';
    $('deliveries').replaceChildren();
  }
  shownInbox = inboxId;
  $('inbox-filter').value = status;
  $('inbox-filter').onchange = () => showInbox(inboxId, $('inbox-filter').value);
  const { inboxes } = await request('GET', '/inboxes');
  const inbox = inboxes.find((i) => i.id === inboxId);
  $('inbox-title').textContent = inbox ? inbox.name : 'Inbox';
  const page = await request('GET', `/inboxes/${inboxId}/deliveries?status=${encodeURIComponent(status)}`);
  $('deliveries').replaceChildren(...page.items.map((d) => {
    const due = d.status === 'new' ? d.ack_due : d.decision_due;
    const overdue = due && new Date(due) < new Date() && d.status !== 'decided';
    listed.set(d.id, d);
    return card(`#/concern/${d.concern_id}/${d.id}`,
      h('span', { class: `pill level-${d.level}` }, L(vocab.LEVELS, d.level)),
      h('strong', {}, d.categories.map((c) => L(vocab.CATEGORIES, c)).join(', ')),
      h('span', { class: 'status' }, `${statusWords(d.status)} · received ${when(d.created_at)}`),
      due ? h('span', { class: overdue ? 'due overdue' : 'due' }, countdown(due)) : null,
      h('span', { class: 'muted' }, inWords(d.why || d.reason)));
  }));
  if (!page.items.length) $('deliveries').append(h('li', { class: 'muted' }, 'Nothing here.'));
}

const statusWords = (status) => {
  const words = L(vocab.DELIVERY_STATUS, status);
  return words.charAt(0).toUpperCase() + words.slice(1);
};

// A delivery's state under its actions, and only the actions still open: acknowledging
// takes the Acknowledge button away, a decision the decision form.
function paintDelivery(d) {
  const state = $('delivery-state');
  if (!d) {
    state.hidden = true;
    $('acknowledge').hidden = false;
    $('decide').hidden = false;
    return;
  }
  const open = !['decided', 'closed'].includes(d.status);
  $('acknowledge').hidden = !['new', 'escalated'].includes(d.status);
  $('decide').hidden = !open;
  let words = `${statusWords(d.status)}.`;
  if (d.status === 'acknowledged') words = `Acknowledged ${when(d.acknowledged_at)}. The decision is next.`;
  if (d.status === 'decided') words = `Decided ${when(d.decided_at)}: ${L(vocab.OUTCOMES, d.outcome)}.`;
  state.textContent = words;
  state.hidden = false;
}

function section(title, ...rows) {
  const kept = rows.flat().filter(Boolean);
  return kept.length ? h('section', { class: 'block' }, h('h3', {}, title), ...kept) : null;
}
const fact = (label, value) => (value === undefined || value === null || value === '' ? null
  : h('p', {}, h('span', { class: 'label' }, `${label}: `), String(value)));

// `underDecision`: what shows under each delivery (a challenge, or "I disagree").
function renderConcern(body, underDecision = () => null) {
  const c = body.concern;
  const s = c.subject || {};
  const m = c.missing || {};
  return [
    section('The child',
      fact('Name', [s.given_name, s.family_name].filter(Boolean).join(' ')),
      fact('Known as', (s.known_as || []).join(', ')),
      fact('Date of birth', ukDate(s.date_of_birth)), fact('Approximate age', s.approx_age),
      fact('NHS number', s.nhs_number), fact('Legal status', s.legal_status && L(vocab.LEGAL_STATUS, s.legal_status)),
      fact('Placing authority', s.placing_authority), fact('School', s.school)),
    section('Concern',
      fact('Recorded', `${when(c.recorded_at)} by ${body.recorder.agency}${body.late ? ' (late)' : ''}`),
      fact('Setting', L(vocab.SETTINGS, c.setting)),
      fact('Categories', c.categories.map((x) => L(vocab.CATEGORIES, x)).join(', ')),
      fact('How the recorder knows', L(vocab.SOURCES, c.source)),
      fact('Level', L(vocab.LEVELS, c.level)), fact('Why', c.rationale)),
    c.child_words ? section("The child's own words", h('blockquote', {}, c.child_words)) : null,
    section('What happened', h('p', { class: 'prose' }, c.narrative)),
    section('Signs', (c.indicators || []).map((i) => h('p', {},
      `${L(vocab.INDICATORS, i.code)}: ${L(vocab.PRESENT_WORDS, i.present)} — ${L(vocab.BASIS_WORDS, i.basis)}${i.note ? `. ${i.note}` : ''}`))),
    c.missing ? section('Missing', Object.entries(m).map(([k, v]) => fact(L(vocab.MISSING_FIELDS, k),
      k === 'police_risk' ? L(vocab.POLICE_RISK, v) : /_at$/.test(k) ? when(v) : v))) : null,
    section('People, vehicles, phones, places', (c.associated || []).map((a) => h('p', {},
      `${L(vocab.ASSOCIATED, a.kind)?.label || a.kind}: ${Object.entries(a).filter(([k]) => k !== 'kind').map(([k, v]) => `${L(vocab.FIELD_LABELS, k)} ${v}`).join(', ')}`))),
    section('Actions and sharing',
      fact('Actions taken', (c.actions_taken || []).map((x) => L(vocab.ACTIONS, x)).join(', ')),
      fact('Consent', L(vocab.CONSENT, c.sharing.consent)),
      fact('Not sought because', c.sharing.not_sought_reason && L(vocab.NOT_SOUGHT, c.sharing.not_sought_reason)),
      fact('Protect the identity of', (c.sharing.protect_identity_of || []).join(', '))),
    section('Delivered to', byRoutingOrder(body.deliveries || []).map((d) => h('div', {}, h('p', {},
      `${d.inbox} (${d.agency}): ${L(vocab.DELIVERY_STATUS, d.status)}${d.outcome ? ` — ${L(vocab.OUTCOMES, d.outcome)}` : ''}`), underDecision(d)))),
    section('Addenda', (body.addenda || []).map((a) => h('p', {}, `${when(a.addendum.recorded_at)}: ${a.addendum.text}`))),
  ];
}

// The code is what the audit log keeps; the note travels apart, to be sealed with the record.
const purposeQuery = ({ code, note }) => new URLSearchParams(note ? { purpose: code, purpose_note: note } : { purpose: code }).toString();

// `own`: the person recorded it (home.js isOwn), so the phone chooses the purpose for them:
// "checking a record I made" is the one true reason a recorder has to open their own
// concern (they are its referrer, not a recipient working it), and the read is audited
// with that code like any other. Any other concern asks the reader why.
// `userId`: the signed-in person, to know the recorder when the concern answers.
export function showConcern(concernId, deliveryId, notify, { own = false, userId = null, profiles = false } = {}) {
  options($('purpose-pick'), vocab.PURPOSES);
  // "Other" needs a note; the browser asks for it before the form is sent.
  $('purpose-pick').onchange = () => { $('purpose-text').required = $('purpose-pick').value === 'other'; };
  $('purpose-form').hidden = own;
  for (const id of ['concern-body', 'delivery-actions', 'addendum', 'chronology-link', 'missing-link', 'return-link']) $(id).hidden = true;
  if (!own) $('purpose-pick').focus();
  let shown = null; // the concern as opened: an action repaints it without reading it again
  let under = () => null; // what shows under each of its deliveries (a challenge)
  paintDelivery(deliveryId ? listed.get(deliveryId) : null);
  // The action's answer is the delivery's new state: say it, and show it where it went.
  const acted = (d) => {
    const before = deliveryId && listed.get(deliveryId);
    listed.set(d.id, d);
    paintDelivery(d);
    const row = shown && (shown.deliveries || []).find((x) => x.inbox === d.inbox && (!before || x.status === before.status));
    if (row) {
      Object.assign(row, { status: d.status, outcome: d.outcome });
      $('concern-body').replaceChildren(...renderConcern(shown, under).filter(Boolean));
    }
  };
  const open = async () => {
    const purpose = { code: $('purpose-pick').value, note: $('purpose-text').value.trim() };
    const body = await request('GET', `/concerns/${concernId}?${purposeQuery(purpose)}`);
    shown = body;
    const challenges = await challengesByDelivery();
    lastPurpose = purpose;
    $('purpose-form').hidden = true;
    under = (d) => decidedNote(d, challenges, { notify });
    $('concern-body').replaceChildren(...renderConcern(body, under).filter(Boolean));
    $('concern-body').hidden = false;
    // A missing child's profile, beside the report, for those who may open it now (asked
    // only of Missing Persons, the Control Room and the child's home: `profiles`).
    if (profiles && body.subject_id && body.concern.categories.includes('missing')) {
      // The concern's purpose, without its note: a note is sealed with the concern's read.
      const attached = await profileSection(body.subject_id, purposeQuery({ code: purpose.code }));
      if (attached) $('concern-body').firstElementChild.after(attached);
    }
    $('delivery-actions').hidden = !deliveryId;
    $('addendum').hidden = false;
    // Its recorder reads it as its referrer (backend/services/concerns/referrer.py): sharing an
    // addendum "with the person who raised the concern" would be sharing with themselves,
    // and the child's chronology answers them 404 through their own concern.
    const referrer = Boolean(userId) && body.recorder.id === userId;
    $('addendum-share').hidden = referrer;
    $('addendum-for-referrer').checked = false;
    if (body.subject_id && !referrer) {
      $('chronology-link').href = `#/chronology/${body.subject_id}`;
      $('chronology-link').hidden = false;
    }
    paintLinks(body, deliveryId && listed.get(deliveryId));
    $('concern-body').querySelector('h3').focus?.();
  };
  $('purpose-form').onsubmit = (e) => { e.preventDefault(); open().catch(notify); };
  if (own) {
    $('purpose-pick').value = 'check_own_record';
    $('purpose-text').value = '';
    open().catch((error) => { $('purpose-form').hidden = false; notify(error); });
  }
  options($('outcome'), vocab.OUTCOMES, { empty: 'Choose an outcome' });
  $('acknowledge').onclick = () => request('POST', `/deliveries/${deliveryId}/acknowledge`)
    .then((d) => { acted(d); notify('Acknowledged: the acknowledgement clock has stopped.'); }, notify);
  $('decide').onsubmit = (e) => {
    e.preventDefault();
    if (!$('outcome').value) {
      notify('Choose an outcome first.');
      $('outcome').focus();
      return;
    }
    const feedback = $('feedback').value.trim();
    if (feedback.length < 3) {
      notify('Write a few words of feedback for the person who raised the concern.');
      $('feedback').focus();
      return;
    }
    request('POST', `/deliveries/${deliveryId}/decision`, { outcome: $('outcome').value, reasons: $('reasons').value, feedback })
      .then((d) => { acted(d); notify('Decision recorded; the person who raised it is told.'); }, notify);
  };
  $('addendum').onsubmit = (e) => {
    e.preventDefault();
    const clientId = crypto.randomUUID();
    // for_referrer is sealed and proven with the text: sharing with the referrer is the
    // author's act (backend/services/concerns/referrer.py).
    const addendum = { schema: 'frontline.addendum/1', concern_id: concernId, client_id: clientId, recorded_at: rfc3339(new Date()), text: $('addendum-text').value.trim(), for_referrer: $('addendum-for-referrer').checked };
    proveAndSeal(addendum)
      .then((jwe) => request('POST', `/concerns/${concernId}/addenda`, { client_id: clientId, jwe }))
      .then(() => { $('addendum-text').value = ''; $('addendum-for-referrer').checked = false; return open(); })
      .then(() => notify('Addendum added.'), notify);
  };
}

// A concern shown in brief names its categories and level by code: say them in words.
function summaryInWords(i) {
  if (i.type !== 'concern' || !i.summary) return i.summary;
  return i.summary.replace(i.categories.join(', '), i.categories.map((c) => L(vocab.CATEGORIES, c)).join(', '))
    .replace(String(i.level).replace(/_/g, ' '), L(vocab.LEVELS, i.level).toLowerCase());
}

export async function showChronology(subjectId) {
  const purpose = lastPurpose || { code: Object.keys(vocab.PURPOSES)[0], note: '' };
  const { items } = await request('GET', `/subjects/${subjectId}/chronology?${purposeQuery(purpose)}`);
  $('chronology').replaceChildren(...items.map((i) => h('li', {},
    h('time', { datetime: i.recorded_at }, when(i.recorded_at)),
    h('strong', {}, i.type === 'concern' ? `${i.agency}: ${i.categories.map((c) => L(vocab.CATEGORIES, c)).join(', ')}` : `Addendum (${i.agency})`),
    i.full && i.concern ? h('p', {}, i.concern.narrative) : null,
    i.full && i.addendum ? h('p', {}, i.addendum.text) : null,
    !i.full ? h('p', { class: 'muted' }, summaryInWords(i)) : null,
    i.type === 'concern' && i.full ? h('a', { href: `#/concern/${i.concern_id}` }, 'Open') : null)));
}

export async function showAlerts() {
  const { alerts } = await request('GET', '/alerts');
  $('alert-list').replaceChildren(...alerts.map((a) => h('li', {}, h('div', { class: 'card' },
    h('strong', {}, L(vocab.ALERT_KINDS, a.kind)), h('p', {}, a.why),
    h('span', {}, `${L(vocab.ALERT_STRENGTHS, a.strength)} · ${L(vocab.ALERT_STATUSES, a.status)} · raised ${when(a.raised_at)}`),
    h('span', {}, `${counted(a.subjects.length, 'child', 'children')} · ${counted(a.concerns.length, 'concern')}`),
    a.evidence.length ? h('span', { class: 'muted' }, `linked by ${a.evidence.map((e) => L({}, e.identifier_kind)).join(', ')}`) : null,
    a.kind === 'network' ? h('a', { href: `#/network/${a.id}` }, 'See the network') : null))));
  if (!alerts.length) $('alert-list').append(h('li', { class: 'muted' }, 'No open alerts.'));
}

export async function showNetwork(alertId) {
  const network = await request('GET', `/alerts/${alertId}/network`);
  $('network').replaceChildren(drawNetwork(network, { title: 'Possible network' }));
  $('network-legend').replaceChildren(...network.nodes.filter((n) => n.type !== 'child').map((n) => h('li', {},
    `${n.label.charAt(0).toUpperCase()}${n.label.slice(1)}: linked to ${counted(n.children, 'child', 'children')}`)));
}
