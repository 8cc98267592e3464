// The language check on the narrative: flagged phrases are highlighted behind the text as
// it is typed, each with why and words to use instead (one tap to accept). Advisory: it
// never blocks sealing. The child's own words are verbatim and are never checked.

import { h } from './dom.js';
import { accept, check, compile } from './lint.js';

let compiled = null;

export async function loadTerms() {
  if (!compiled) {
    const response = await fetch('/language.json');
    compiled = compile(await response.json());
  }
  return compiled;
}

function renderMarks(marks, text, findings) {
  const parts = [];
  let at = 0;
  for (const f of findings) {
    parts.push(text.slice(at, f.start), h('mark', {}, text.slice(f.start, f.end)));
    at = f.end;
  }
  // A trailing newline needs a character after it to take up a line in the backdrop.
  parts.push(`${text.slice(at)}\u200b`);
  marks.replaceChildren(...parts);
}

function renderPanel(panel, findings, onAccept) {
  if (!findings.length) {
    panel.replaceChildren();
    return;
  }
  panel.replaceChildren(h('ul', { class: 'language plain' }, findings.map((f) => h('li', {},
    h('p', {}, h('strong', {}, `“${f.text}”`), ` — ${f.why} ${f.advice}`),
    f.replacements.length ? h('div', { class: 'row wrap' }, f.replacements.map((r) => h('button', {
      type: 'button', class: 'small suggestion', onclick: () => onAccept(f, r),
    }, `Use “${r}”`))) : null))));
}

export function attachLanguageCheck({ textarea, marks, panel, form }) {
  let latest = [];
  let shown = null;
  const run = () => {
    if (!compiled) return;
    latest = check(textarea.value, compiled);
    renderMarks(marks, textarea.value, latest);
    // Typing moves the phrases, rarely changes them: rebuild the advice only when it must.
    const signature = latest.map((f) => `${f.id}:${f.text}`).join('|');
    if (signature !== shown) {
      shown = signature;
      renderPanel(panel, latest, (finding, replacement) => {
        // The finding's position may be stale: accept the same phrase where it is now.
        const now = latest.find((f) => f.id === finding.id && f.text === finding.text) || finding;
        textarea.value = accept(textarea.value, now, replacement);
        textarea.dispatchEvent(new Event('input', { bubbles: true }));
        textarea.focus();
      });
    }
    marks.scrollTop = textarea.scrollTop;
  };
  textarea.addEventListener('input', run);
  textarea.addEventListener('scroll', () => { marks.scrollTop = textarea.scrollTop; });
  form.addEventListener('frontline:restored', run);
  loadTerms().then(run, () => { /* offline before the first load: the check waits */ });
  return { run, findings: () => latest };
}
