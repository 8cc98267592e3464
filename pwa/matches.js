// The MASH's decisions about children's records (docs/domain/linking.md): possible matches
// (one child or two?) and automatic merges to confirm or split. Each card says why in
// words and what each record holds in brief; no concern is opened here. Others get 403
// forbidden.mash_only from the API, and see nothing of it.

import { ApiError, request } from './api.js';
import { $, h, when } from './dom.js';
import { sideInWords, spanInWords, splitInWords, whyInWords } from './match-words.js';

const MASH_ONLY = 'forbidden.mash_only';

// Both lists, or null for someone outside the MASH. Any other failure is thrown.
export async function mashWork() {
  try {
    const [{ matches }, { merges }] = await Promise.all([request('GET', '/matches'), request('GET', '/merges')]);
    return { matches, merges };
  } catch (error) {
    if (error instanceof ApiError && error.code === MASH_ONLY) return null;
    throw error;
  }
}

// The line on the inboxes screen: only for the MASH, only when something waits.
export async function mashLine() {
  const work = await mashWork().catch(() => null);
  if (!work || !(work.matches.length || work.merges.length)) return null;
  return h('p', { id: 'mash-work', class: 'mash-work' }, h('a', { class: 'button', href: '#/matches' },
    h('span', {}, `Possible matches to decide: ${work.matches.length}`),
    // Two lines to the eye, one sentence to a screen reader.
    work.merges.length ? [h('span', { class: 'sr-only' }, '. '), h('span', {}, `Merges to confirm: ${work.merges.length}`)] : null));
}

function side(label, summary) {
  return h('div', { class: 'side' },
    h('strong', {}, label),
    h('span', {}, sideInWords(summary)),
    h('span', { class: 'muted' }, spanInWords(summary, when)));
}

// A card's buttons. One with `ask` takes a second step that says what it does and how it
// is undone; the other acts at once.
function choices(options) {
  const buttons = h('div', { class: 'choices' });
  // One decision at a time: a second tap while the first is on its way would be refused.
  const run = (o) => {
    const all = [...buttons.querySelectorAll('button')];
    for (const b of all) b.disabled = true;
    return Promise.resolve(o.act()).finally(() => { for (const b of all) b.disabled = false; });
  };
  const first = () => buttons.replaceChildren(...options.map((o) => h('button',
    { type: 'button', class: 'small', onclick: () => (o.ask ? second(o) : run(o)) }, o.label)));
  const second = (o) => {
    buttons.replaceChildren(
      h('p', { class: 'ask' }, o.ask),
      h('button', { type: 'button', class: 'primary', onclick: () => run(o) }, o.sure),
      h('button', { type: 'button', class: 'small', onclick: () => first() }, 'Cancel'));
    buttons.querySelector('button').focus();
  };
  first();
  return buttons;
}

// A card decided: it goes, the notice says what happened, and an emptied list says so.
function settle(card, list, empty, notify, text) {
  card.closest('li').remove();
  if (!list.children.length) list.append(h('li', { class: 'muted' }, empty));
  notify(text);
}

const NO_MATCHES = 'No possible matches to decide.';
const NO_MERGES = 'No automatic joins waiting.';

function matchCard(m, notify) {
  const card = h('div', { class: 'card match', 'data-match': m.id },
    h('h3', {}, 'Possibly one child'),
    h('p', {}, whyInWords(m)),
    m.conflict ? h('p', { class: 'conflict' }, m.conflict.words) : null,
    h('div', { class: 'sides' },
      side('Record 1', m.sides.subject),
      side('Record 2', m.sides.candidate)),
    h('span', { class: 'muted' }, `Raised ${when(m.created_at)}`));
  const list = $('match-list');
  const decide = (same) => request('POST', `/matches/${m.id}/${same ? 'confirm' : 'reject'}`).then((d) => {
    const raised = d.patterns ? ` ${d.patterns} alert${d.patterns === 1 ? '' : 's'} raised or updated.` : '';
    settle(card, list, NO_MATCHES, notify, same
      ? `Joined as one child. It can be undone by a split.${raised}`
      : 'Kept apart: two children. The records stay separate.');
  }, notify);
  card.append(choices([
    { label: 'Same child — join the records', act: () => decide(true), sure: 'Yes, join them',
      ask: 'Join these records as one child? Their concerns then show in one chronology and one subject access export. It can be undone by a split.' },
    { label: 'Different children — keep apart', act: () => decide(false) },
  ]));
  return h('li', {}, card);
}

function mergeCard(merge, notify) {
  const card = h('div', { class: 'card merge', 'data-merge': merge.id },
    h('p', { class: 'summary' }, merge.summary),
    h('p', { class: 'muted' }, "The child's subject access export waits until this is confirmed or split."));
  const list = $('merge-list');
  const confirm = () => request('POST', `/merges/${merge.id}/confirm`)
    .then(() => settle(card, list, NO_MERGES, notify, 'Confirmed: one child.'), notify);
  // The split takes the record that was merged in; it stands for its own child again.
  const split = () => request('POST', `/subjects/${merge.merged_id}/split`)
    .then((s) => settle(card, list, NO_MERGES, notify, splitInWords(s)), notify);
  card.append(choices([
    { label: 'Confirm: one child', act: confirm },
    { label: 'Split: two children', act: split, sure: 'Yes, split them',
      ask: 'Split these records? The concerns linked while they were joined go back to their own child, and alerts are worked out again for both.' },
  ]));
  return h('li', {}, card);
}

export async function showMatches(notify) {
  const work = await mashWork();
  $('matches-body').hidden = !work;
  $('matches-not-mash').hidden = Boolean(work);
  if (!work) return;
  $('match-list').replaceChildren(...work.matches.map((m) => matchCard(m, notify)));
  if (!work.matches.length) $('match-list').append(h('li', { class: 'muted' }, NO_MATCHES));
  $('merge-list').replaceChildren(...work.merges.map((m) => mergeCard(m, notify)));
  if (!work.merges.length) $('merge-list').append(h('li', { class: 'muted' }, NO_MERGES));
}
