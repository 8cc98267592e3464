// The leadership page's challenges to decisions (open and resolved, by the agency that
// decided and the stage) and each network alert's days from its first sign to the leaders.
// Withheld counts (1 to 4, as everywhere on the page) arrive as null and read "withheld".

import { ukDate } from './dates.js';
import { h } from './dom.js';

const count = (n) => (n === null || n === undefined ? 'withheld' : String(n));

// Only agencies with a challenge, or a withheld count (which may be one), are listed; a
// list, not a table: four columns do not fit a phone.
function challengeList(rows) {
  const shown = rows.filter((r) => r.open !== 0 || r.resolved !== 0);
  const agencies = [...new Set(shown.map((r) => r.agency))];
  return h('section', { class: 'block' }, h('h3', {}, 'Challenges to decisions'),
    agencies.length
      ? h('ul', { class: 'plain' }, agencies.map((agency) => h('li', {}, h('strong', {}, agency),
        shown.filter((r) => r.agency === agency).map((r) => h('p', {},
          `Stage ${r.stage}: ${count(r.open)} open, ${count(r.resolved)} resolved`)))))
      : h('p', { class: 'muted' }, 'No decision was challenged in the period.'),
    h('p', { class: 'muted' }, 'By the agency that decided. Stage 1: the deciding inbox\'s supervisor; 2: the agency\'s safeguarding lead; 3: the Partnership Leads (as the rules say).'));
}

const days = (n) => (n === null ? '' : `${n.toFixed(1)} days`);

function alertLine(r) {
  const sign = r.first_sign_at ? `first high-weight sign ${ukDate(r.first_sign_at)}` : 'no high-weight sign recorded';
  const seen = r.seen_at ? `seen by the leads ${ukDate(r.seen_at)}` : 'not yet seen by the leads';
  const span = r.days === null ? '' : `: ${days(r.days)}${r.seen_at ? '' : ' so far'}`;
  return h('li', {}, h('strong', {}, `Alert raised ${ukDate(r.raised_at)}`), h('p', {}, `${sign}; ${seen}${span}.`));
}

function leadershipList(rows) {
  return h('section', { class: 'block' }, h('h3', {}, 'Time to leadership'),
    h('p', { class: 'muted' }, 'For each network alert: days from its first high-weight sign to the first time a partnership lead saw it.'),
    rows.length ? h('ul', { class: 'plain' }, rows.map(alertLine)) : h('p', { class: 'muted' }, 'No network alerts in the period.'));
}

export function challengeBlocks(board) {
  return [challengeList(board.challenges || []), leadershipList(board.time_to_leadership || [])];
}
