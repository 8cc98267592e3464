// Missing episodes on the phone: the list (open or closed) and one screen per child — every
// episode from report to return, hours missing, where and with whom the child was found, and
// where the return home interview stands. Read from GET /episodes and
// GET /subjects/{id}/missing; every read is audited by the server.

import { ApiError, request } from './api.js';
import { $, h, when } from './dom.js';
import * as returnInterview from './return-interview.js';
import { interviewSummary } from './return-interview-form.js';

// Where the return home interview stands, in words (due 72 hours after the return).
export function interviewWords(ri) {
  switch (ri.status) {
    case 'not_due': return 'Return interview: not due until the child is back';
    case 'due': return `Return interview due by ${when(ri.due)}`;
    case 'overdue': return `Return interview overdue: it was due by ${when(ri.due)}`;
    case 'held': return 'Return interview held';
    case 'declined': return 'Return interview declined by the child';
    case 'not_reached': return 'Return interview: the child could not be reached';
    default: return '';
  }
}

const hours = (n) => `${n} ${n === 1 ? 'hour' : 'hours'} missing`;

// Where the profile link goes once profiles are kept (profile_id is null until then).
const profileLink = (e) => (e.profile_id ? h('a', { href: `#/profile/${e.profile_id}` }, 'Profile') : null);

function facts(e) {
  const back = e.found_at
    ? [h('p', {}, `Found ${when(e.found_at)} · ${hours(e.hours_missing)}`),
      h('p', {}, `Where: ${e.found_where || 'not said'}`),
      h('p', {}, `With whom: ${e.found_with || 'not said'}`)]
    : [h('p', { class: 'overdue' }, 'Still missing')];
  const ri = e.return_interview;
  return [h('p', {}, `Reported missing ${when(e.reported_at)}`), ...back,
    h('p', { class: `interview ${ri.status}` }, interviewWords(ri))];
}

export async function showEpisodes(status = 'open') {
  $('episodes-filter').value = status;
  $('episodes-filter').onchange = () => showEpisodes($('episodes-filter').value);
  let page;
  try {
    page = await request('GET', `/episodes?status=${encodeURIComponent(status)}`);
  } catch (error) {
    // Not a reader (the MASH, an agency lead): say who reads them, on the screen itself.
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    $('episode-list').replaceChildren(h('li', { class: 'muted' }, error.message));
    return;
  }
  $('episode-list').replaceChildren(...page.items.map((e) => h('li', { class: 'card episode' },
    h('strong', {}, e.child || 'A child'),
    ...facts(e),
    h('p', { class: 'row wrap' }, h('a', { href: `#/missing/${e.subject_id}` }, 'All this child’s episodes'), profileLink(e)))));
  if (!page.items.length) $('episode-list').append(h('li', { class: 'muted' }, status === 'open' ? 'No child is missing now.' : 'No returns yet.'));
}

export async function showChild(subjectId) {
  $('child-missing-list').replaceChildren(h('li', { class: 'muted' }, 'Loading…'));
  const { items } = await request('GET', `/subjects/${subjectId}/missing`);
  const name = items.find((e) => e.child)?.child;
  $('child-missing-title').textContent = name ? `${name}: missing episodes` : 'Missing episodes';
  const open = items.filter((e) => !e.found_at).length;
  $('child-missing-summary').textContent = `${items.length} ${items.length === 1 ? 'episode' : 'episodes'}${open ? ' · missing now' : ''}`;
  $('child-missing-list').replaceChildren(...items.map((e) => h('li', { class: 'card episode' }, ...facts(e), profileLink(e))));
  if (!items.length) $('child-missing-list').append(h('li', { class: 'muted' }, 'No missing episodes you may see.'));
}

// The missing views' routes (app.js hands them over): the list, a child, the interview form.
export async function route(name, id, show) {
  if (name === 'episodes') { show('episodes'); await showEpisodes(); }
  if (name === 'missing') { show('child-missing'); await showChild(id); }
  if (name === 'return') { show('return'); returnInterview.open(id); }
}

// The interview is proven, sealed and queued by the page's own sealing (app.js sealConcern).
export function setup({ seal, error }) {
  returnInterview.setup({ seal: (interview) => seal(interview, {}, interviewSummary(interview)), error });
}

const RETURN_TASK = 'The child has returned from a missing episode'; // the task's reason

// Under an opened concern: the child's missing episodes, when it is about a missing child;
// and, from the return interview task, the interview form with the child's name.
export function paintLinks(body, delivery) {
  const c = body.concern;
  const aboutMissing = (c.categories || []).includes('missing') && body.subject_id;
  $('missing-link').hidden = !aboutMissing;
  if (aboutMissing) $('missing-link').href = `#/missing/${body.subject_id}`;
  const task = Boolean(delivery) && delivery.reason === RETURN_TASK && !['decided', 'closed'].includes(delivery.status);
  $('return-link').hidden = !task;
  if (task) {
    const s = c.subject || {};
    returnInterview.remember(delivery.concern_id, [s.given_name, s.family_name].filter(Boolean).join(' '));
    $('return-link').href = `#/return/${delivery.concern_id}`;
  }
}
