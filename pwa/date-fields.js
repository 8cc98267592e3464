// A date (or a date and time) asked as separate day, month, year and 24-hour time fields, as
// UK public services ask for them: the browser's own date input follows its language
// (mm/dd/yyyy and AM/PM on a US-English phone), these read the same everywhere, work
// offline and open the number pad. Below them the answer is read back in words
// ("3 Dec 2026, 04:04"), so a slip (month and day swapped) shows before sealing.
// The value the form keeps is one hidden input with the name the concern uses, holding
// "2026-12-03" or "2026-12-03T04:04" (what concern.js and the drafts already read).

import { h } from './dom.js';
import { partsOf, readDay, readTime, ukDate, ukDateTime } from './dates.js';

const PARTS = [
  ['day', 'Day', 2, '2.75rem'], ['month', 'Month', 2, '2.75rem'], ['year', 'Year', 4, '4rem'],
];

function part(id, key, text, maxlength, hint) {
  return h('div', { class: `part ${key}` },
    h('label', { for: `${id}-${key}` }, text, hint ? h('span', { class: 'hint' }, ` ${hint}`) : null),
    h('input', { id: `${id}-${key}`, inputmode: 'numeric', maxlength, autocomplete: 'off', 'data-part': key }));
}

// Read the parts; put the whole value in the hidden input; say it back in words.
function update(group) {
  const hidden = group.querySelector('input[type=hidden]');
  const value = (key) => { const el = group.querySelector(`[data-part=${key}]`); return el ? el.value.trim() : ''; };
  const withTime = Boolean(group.querySelector('[data-part=time]'));
  const typed = ['day', 'month', 'year', 'time'].map(value).filter(Boolean);
  const day = readDay(value('day'), value('month'), value('year'));
  const time = withTime ? readTime(value('time')) : '';
  let state;
  if (!typed.length) state = 'empty';
  else if (day && time !== null) state = 'complete';
  else state = 'incomplete';
  hidden.value = state === 'complete' ? (withTime ? `${day}T${time}` : day) : '';
  group.dataset.state = state;
  const said = { empty: '', complete: withTime ? ukDateTime(hidden.value) : ukDate(hidden.value) };
  group.querySelector('.readback').textContent = state in said ? said[state]
    : `Not complete: give the day, the month, the year (4 figures)${withTime ? ' and the time (hh:mm)' : ''}.`;
}

// Replace each placeholder <div data-date="name" data-id="f-x" data-legend="…"> (with
// data-time for a time too, data-hint for words beside the question, data-label for its
// name in a problem when the legend reads on from the question before) by its fields.
export function setupDateFields(root) {
  for (const slot of root.querySelectorAll('[data-date]')) {
    const { date: name, id, legend, hint } = slot.dataset;
    const withTime = 'time' in slot.dataset;
    const group = h('fieldset', { class: 'date', id: `${id}-group`, 'data-state': 'empty', 'data-label': slot.dataset.label || legend },
      h('legend', {}, legend, hint ? h('span', { class: 'hint' }, ` ${hint}`) : null),
      h('div', { class: 'date-parts' },
        PARTS.map(([key, text, maxlength]) => part(id, key, text, maxlength)),
        withTime ? part(id, 'time', 'Time', 5, '(24h)') : null),
      h('input', { type: 'hidden', id, name }),
      h('p', { class: 'readback', id: `${id}-said`, 'aria-live': 'polite' }));
    group.addEventListener('input', (event) => { if (event.target.dataset.part) update(group); });
    // "404" becomes "04:04" once the recorder moves on: what will be sent, as it will be read.
    group.addEventListener('focusout', (event) => {
      if (event.target.dataset.part !== 'time') return;
      const time = readTime(event.target.value);
      if (time) event.target.value = time;
    });
    slot.replaceWith(group);
  }
}

// Show each hidden value in its fields again (after a draft is restored or a value set).
export function showDateFields(root) {
  for (const group of root.querySelectorAll('fieldset.date')) {
    const parts = partsOf(group.querySelector('input[type=hidden]').value);
    for (const el of group.querySelectorAll('[data-part]')) el.value = parts[el.dataset.part];
    update(group);
  }
}

// Fields begun but not finished: sealing them as "no date" would lose what was meant.
export function dateProblems(root) {
  return [...root.querySelectorAll('fieldset.date[data-state=incomplete]')]
    .filter((group) => !group.closest('[hidden]'))
    .map((group) => ({
      field: group.querySelector('input[type=hidden]').name,
      message: `${group.dataset.label}: give a whole date${group.querySelector('[data-part=time]') ? ' and time' : ''}.`,
    }));
}
