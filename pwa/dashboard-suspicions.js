// The leadership page's suspicions: for each agency whose inbox must answer them, how many
// wait within their deadline, were reopened by a later record, are overdue, or were
// answered in the period. Each suspicion is in one of the four. Withheld counts (1 to 4,
// as everywhere on the page) arrive as null and read "withheld".

import { h } from './dom.js';

const count = (n) => (n === null || n === undefined ? 'withheld' : String(n));
const CELLS = ['open', 'reopened', 'overdue', 'answered'];

export function suspicionLine(r) {
  return `Waiting for an answer: ${count(r.open)}; reopened by a later record: ${count(r.reopened)}; `
    + `overdue: ${count(r.overdue)}; answered in the period: ${count(r.answered)}.`;
}

// A list, not a table: five columns do not fit a phone. Only agencies owning a suspicion,
// or a withheld count (which may be one), are listed.
export function suspicionBlock(board) {
  const rows = (board.suspicions || []).filter((r) => CELLS.some((c) => r[c] !== 0));
  return h('section', { class: 'block' }, h('h3', {}, 'Suspicions'),
    rows.length
      ? h('ul', { class: 'plain' }, rows.map((r) => h('li', {}, h('strong', {}, r.agency), h('p', {}, suspicionLine(r)))))
      : h('p', { class: 'muted' }, 'No suspicion waited for an answer or was answered in the period.'),
    h('p', { class: 'muted' }, 'By the agency whose inbox must answer them. Overdue: past the deadline to answer, whether new or reopened.'));
}
