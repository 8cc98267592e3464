// Dates and times the UK way ("3 Dec 2026, 04:04"), whatever language the browser speaks: a
// UK service must not show 12/03/2026 (March? December?) on a phone set to US English. The
// words are ours, not the browser's locale data, so every phone reads them the same. Pure
// functions; the form's day / month / year / time fields are in date-fields.js.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

// "2012-05-01" is a calendar day, not midnight UTC: read it as one.
function asDate(value) {
  if (value instanceof Date) return value;
  const day = /^(\d{4})-(\d\d)-(\d\d)$/.exec(value);
  return day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(value);
}

// "3 Dec 2026" (a date of birth, a review date).
export function ukDate(value) {
  if (!value) return '';
  const d = asDate(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

// "3 Dec 2026, 04:04", in the phone's own time zone, on the 24-hour clock.
export function ukDateTime(value) {
  if (!value) return '';
  const d = asDate(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${ukDate(d)}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// A time as typed on a phone's number pad: "0404", "404", "4:04", "04.04" -> "04:04".
export function readTime(text) {
  const plain = String(text || '').trim();
  const parts = /^(\d{1,2})[:.\s]?(\d\d)$/.exec(plain);
  if (!parts) return null;
  const [hours, minutes] = [Number(parts[1]), Number(parts[2])];
  return hours < 24 && minutes < 60 ? `${pad(hours)}:${pad(minutes)}` : null;
}

// Day, month and year as typed -> "2026-12-03", or null when they make no real day.
export function readDay(day, month, year) {
  const [d, m, y] = [day, month, year].map((v) => String(v || '').trim());
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return null;
  const date = new Date(Number(y), Number(m) - 1, Number(d));
  if (date.getFullYear() !== Number(y) || date.getMonth() !== Number(m) - 1 || date.getDate() !== Number(d)) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

// The parts of a stored value ("2026-12-03" or "2026-12-03T04:04") for the fields to show.
export function partsOf(value) {
  const match = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d:\d\d))?/.exec(value || '');
  if (!match) return { day: '', month: '', year: '', time: '' };
  return { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1], time: match[4] || '' };
}
