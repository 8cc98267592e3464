// The home as each person's work: an inbox member lands on their inboxes (new and overdue
// at a glance), a lead on escalations and alerts, a recorder on their concerns. Someone with
// several roles switches between them in one tap. The phone asks the server only for what
// the person's roles allow (GET /api/v1/me says which), so nothing is sent to be refused.

import { request } from './api.js';
import { $, h, when } from './dom.js';
import { queueCard } from './inbox.js';
import { mashLine } from './matches.js';
import * as vocab from './vocab.js';

export const LEADS = ['partnership_lead', 'agency_lead'];
const WORK = {
  leads: { title: 'Escalations and alerts', tab: 'Escalations' },
  inboxes: { title: 'Your inboxes', tab: 'Inboxes' },
  mine: { title: 'Your concerns', tab: 'My concerns' },
};

export const isLead = (profile) => profile.roles.some((r) => LEADS.includes(r));
export const isRecorder = (profile) => profile.roles.includes('recorder');
// Whoever has a queue to work: inbox members, and leads (an agency lead's own queue).
export const hasQueues = (profile) => profile.inboxes.length > 0 || isLead(profile);

// The person's work, the landing first: a lead's escalations, else an inbox member's
// inboxes (a lead's list holds their inboxes too), then the concerns they recorded.
export function worksOf(profile) {
  const works = [];
  if (isLead(profile)) works.push('leads');
  else if (profile.inboxes.length) works.push('inboxes');
  if (isRecorder(profile)) works.push('mine');
  return works;
}

let chosen = null; // the work switched to on this page (memory only, gone with the lock)

export function current(profile) {
  const works = worksOf(profile);
  return works.includes(chosen) ? chosen : works[0] || null;
}

// The title and the switch; `onSwitch` paints the work chosen.
export function paintSwitch(profile, onSwitch) {
  const works = worksOf(profile);
  const now = current(profile);
  $('home-title').textContent = now ? WORK[now].title : 'Your account';
  for (const work of Object.keys(WORK)) $(`work-${work}`).hidden = work !== now;
  $('work-switch').hidden = works.length < 2;
  $('work-switch').replaceChildren(...works.map((work) => h('button', {
    type: 'button',
    class: 'small',
    'aria-pressed': String(work === now),
    onclick: () => {
      chosen = work;
      paintSwitch(profile, onSwitch);
      onSwitch(work);
    },
  }, WORK[work].tab)));
}

// Inboxes in a stable order: the server's (agency, then name), a lead's own queue first.
const ordered = (queues) => [...queues].sort((a, b) => Number(b.kind === 'agency_lead') - Number(a.kind === 'agency_lead'));

export async function paintInboxes(profile) {
  const [{ inboxes }, line] = await Promise.all([request('GET', '/inboxes'),
    profile.front_door ? mashLine() : null]);
  $('home-mash-line').replaceChildren(...(line ? [line] : []));
  $('home-inboxes').replaceChildren(...ordered(inboxes).map(queueCard));
  if (!inboxes.length) $('home-inboxes').append(h('li', { class: 'muted' }, 'You are not a member of any inbox yet.'));
}

const alertItem = (a) => h('li', {}, h('a', { class: 'card', href: a.kind === 'network' ? `#/network/${a.id}` : '#/alerts' },
  h('strong', {}, vocab.label(vocab.ALERT_KINDS, a.kind)),
  h('span', {}, a.why),
  h('span', { class: 'muted' }, `${vocab.label(vocab.ALERT_STRENGTHS, a.strength)} · raised ${when(a.raised_at)}`)));

// A lead's escalations (their own queue, or the inbox they are a member of) first, then the
// alerts; the inboxes of their agency that they oversee wait one tap away.
export async function paintLeads(profile) {
  const [{ inboxes }, { alerts }] = await Promise.all([request('GET', '/inboxes'), request('GET', '/alerts')]);
  const own = (q) => q.kind === 'agency_lead' || profile.inboxes.some((i) => i.id === q.id);
  const escalations = ordered(inboxes).filter(own);
  const overseen = ordered(inboxes).filter((q) => !own(q));
  $('home-queues').replaceChildren(...escalations.map(queueCard));
  if (!escalations.length) $('home-queues').append(h('li', { class: 'muted' }, 'No escalations reach you yet.'));
  $('alerts-count').textContent = alerts.length ? `(${alerts.length} open)` : '(none open)';
  $('home-alerts').replaceChildren(...alerts.slice(0, 3).map(alertItem));
  $('all-alerts').hidden = alerts.length <= 3;
  $('overseen').hidden = !overseen.length;
  $('overseen-count').textContent = `(${overseen.length})`;
  $('home-overseen').replaceChildren(...overseen.map(queueCard));
}

// Without signal or a session the lists cannot be read: say so rather than show none.
export function paintOffline(work) {
  $(work === 'leads' ? 'home-queues' : 'home-inboxes').replaceChildren(h('li', { class: 'muted' },
    'Your inboxes show once there is signal and you are signed in.'));
}

// Only what the person's roles allow is offered (links marked `data-needs`), so nothing is
// asked of the server that it would refuse.
export function paintNeeds(me) {
  const needs = {
    leads: me.roles.includes('partnership_lead'),
    recorder: isRecorder(me),
    inboxes: hasQueues(me),
    alerts: hasQueues(me),
    suspicions: isRecorder(me) || hasQueues(me),
    home: me.agency.kind === 'care_home',
  };
  for (const link of document.querySelectorAll('[data-needs]')) link.hidden = !needs[link.dataset.needs];
}
