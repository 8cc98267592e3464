// The leadership page: the partnership's aggregates drawn as SVG bar charts. Counts from 1
// to 4 arrive as null, and so do others withheld so that the small ones cannot be worked
// out by subtraction (which may be 5 or more): a null is shown as "withheld", never a number.

import { request } from './api.js';
import { challengeBlocks } from './dashboard-challenges.js';
import { suspicionBlock } from './dashboard-suspicions.js';
import { $, h, svg } from './dom.js';
import * as vocab from './vocab.js';

const count = (n) => (n === null || n === undefined ? 'withheld' : String(n));

// Horizontal bars, one per row: a label, a bar to scale, the figure. Withheld rows get no
// bar at all, so a small number is never hinted at by a bar's size.
export function barChart(rows, { title, width = 320 } = {}) {
  const rowHeight = 28;
  const labelWidth = 165;
  const max = Math.max(1, ...rows.map((r) => r.value || 0));
  const height = rows.length * rowHeight + 8;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart' });
  root.append(svg('title', {}, `${title}: ${rows.map((r) => `${r.label} ${count(r.value)}`).join(', ')}`));
  rows.forEach((row, i) => {
    const y = i * rowHeight + 4;
    root.append(svg('text', { x: 0, y: y + 17, class: 'label' }, row.label.length > 24 ? `${row.label.slice(0, 23)}…` : row.label));
    const span = width - labelWidth - 50;
    const length = row.value ? Math.max(2, (row.value / max) * span) : 0;
    root.append(svg('rect', { x: labelWidth, y: y + 4, width: length, height: 18, class: row.value === null ? 'bar withheld' : 'bar' }));
    root.append(svg('text', { x: labelWidth + length + 6, y: y + 17, class: 'figure' }, row.value === null ? 'withheld' : String(row.value)));
  });
  return root;
}

const rowsOf = (table, labels = {}) => Object.entries(table || {}).map(([k, v]) => ({ label: vocab.label(labels, k), value: v }));

function figure(label, value, note) {
  return h('div', { class: 'figure-card' }, h('span', { class: 'big' }, count(value)), h('span', {}, label), note ? h('span', { class: 'muted' }, note) : null);
}

// A median of fewer than 5 cases is withheld as well: it would describe one case too closely.
function median(label, value) {
  return h('div', { class: 'figure-card' }, h('span', { class: 'big' }, value === null ? '—' : String(value)), h('span', {}, label),
    value === null ? h('span', { class: 'muted' }, 'withheld: fewer than 5 cases') : null);
}

// Alerts raised per 1,000 concerns recorded, by kind: how much the pattern rules ask of the
// MASH. A rate on a withheld count is withheld too.
function alertRates(rates) {
  const rate = (v) => (v === null || v === undefined ? 'withheld' : v.toFixed(1));
  const rows = Object.entries(rates.by_kind).map(([kind, v]) => [vocab.label(vocab.ALERT_KINDS, kind), v]);
  return h('section', { class: 'block' }, h('h3', {}, 'Alerts per 1,000 concerns'),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Kind of alert'), h('th', { scope: 'col' }, 'Per 1,000 concerns'))),
      h('tbody', {}, [...rows, ['All alerts', rates.total]].map(([label, v]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, rate(v)))))),
    h('p', { class: 'muted' }, `Raised over the period, against ${rates.concerns} concerns recorded.`));
}

export async function showDashboard() {
  const board = await request('GET', '/dashboard');
  const d = board.deadlines;
  const pct = (part, whole) => (part === null || whole === null || !whole ? null : `${Math.round((100 * part) / whole)}%`);
  $('dashboard').replaceChildren(
    h('p', { class: 'muted' }, `The last ${board.period.weeks} weeks. Counts from 1 to 4 are withheld so that no child can be picked out, and so are any others that would give them back by subtraction.`),
    h('section', { class: 'block' }, h('h3', {}, 'Concerns per week'),
      barChart(board.weeks.map((w) => ({ label: w.week, value: w.total })), { title: 'Concerns per week' })),
    h('section', { class: 'block' }, h('h3', {}, 'By category'), barChart(rowsOf(board.concerns.by_category, vocab.CATEGORIES), { title: 'Concerns by category' })),
    h('section', { class: 'block' }, h('h3', {}, 'By level of concern'), barChart(rowsOf(board.concerns.by_level, vocab.LEVELS), { title: 'Concerns by level' })),
    h('section', { class: 'block' }, h('h3', {}, 'Deadlines'),
      h('div', { class: 'figures' },
        figure('acknowledged', d.acknowledged, pct(d.acknowledged_in_time, d.acknowledged) && `${pct(d.acknowledged_in_time, d.acknowledged)} in time`),
        figure('decided', d.decided, pct(d.decided_in_time, d.decided) && `${pct(d.decided_in_time, d.decided)} in time`),
        figure('open and overdue', d.open_overdue),
        median('median minutes to acknowledge', d.acknowledge_median_minutes),
        median('median hours to decide', d.decision_median_hours))),
    h('section', { class: 'block' }, h('h3', {}, 'Escalations'),
      h('div', { class: 'figures' }, figure('escalations', board.escalations.total),
        figure('reached the partnership', board.escalations.reaching_partnership))),
    h('section', { class: 'block' }, h('h3', {}, 'Open alerts'), barChart(rowsOf(board.alerts_open, vocab.ALERT_KINDS), { title: 'Open alerts by kind' })),
    alertRates(board.alerts_per_1000),
    h('section', { class: 'block' }, h('h3', {}, 'Missing'),
      h('div', { class: 'figures' }, figure('missing episodes reported', board.missing.episodes),
        figure('missing now', board.missing.open),
        figure('returned', board.missing.returned),
        median('median hours missing', board.missing.median_hours_missing),
        figure('return interviews due (72 h from the return)', board.missing.return_interviews_due),
        figure('return interviews overdue', board.missing.return_interviews_overdue),
        figure('return interviews held', board.missing.return_interviews_held),
        figure('return interviews declined', board.missing.return_interviews_declined))),
    ...challengeBlocks(board),
    suspicionBlock(board),
    h('section', { class: 'block' }, h('h3', {}, 'Language flags per agency'),
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ['Agency', 'Concerns', 'Flagged', 'Flags'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, board.language.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.agency),
          ...[row.concerns, row.flagged, row.flags].map((v) => h('td', {}, count(v)))))))),
  );
}
