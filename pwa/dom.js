// Small DOM helpers. Data only ever goes in as text (textContent, attributes), never HTML.

import { ukDateTime } from './dates.js';

export const $ = (id) => document.getElementById(id);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// SVG elements, attributes and text; the same rule: no markup strings.
const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function options(select, table, { empty } = {}) {
  const items = Object.entries(table).map(([value, label]) => h('option', { value }, label));
  select.replaceChildren(...(empty ? [h('option', { value: '' }, empty)] : []), ...items);
}

// Every time the phone shows reads "3 Dec 2026, 04:04", whatever the browser's language.
export const when = (iso) => ukDateTime(iso);

/** "1 child", "2 children": a count with its noun. */
export const counted = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// "in 3 h 20 min" or "overdue by 2 d": deadlines read at a glance.
export function countdown(iso, now = Date.now()) {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const minutes = Math.round(abs / 60_000);
  let span;
  if (minutes < 60) span = `${minutes} min`;
  else if (minutes < 48 * 60) span = `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  else span = `${Math.round(minutes / 1440)} d`;
  return ms >= 0 ? `due in ${span}` : `overdue by ${span}`;
}
