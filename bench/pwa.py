"""The phone's budgets, measured (not a test): app shell size, offline start of the record
screen (the lock screen, then unlocking with the passkey), and the language check's cost per
keystroke.

    python bench/pwa.py [--runs 10]

Budgets (the PWA issue): shell (HTML+CSS+JS, gzipped, icons aside) at most 100 KiB; the
record screen interactive within 1 s from the cache, offline; the language check under 5 ms
per keystroke on a 5,000-character narrative. Each timing is printed beside a raw baseline
measured in the same run: an offline navigation to a static file of the same cache, and one
plain regular-expression scan of the same text.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import ARGS, CHROMIUM, add_authenticator  # noqa: E402
from tests.live import Server  # noqa: E402

PWA = ROOT / "pwa"
SENTENCES = [
    "Found at 02:10 getting out of a grey car driven by an adult male near the takeaway.",
    "She said he gave her a new phone and that she owes him for it.",
    "Staff describe her as putting herself at risk and say she has an older boyfriend.",
    "She had been missing for two nights and was found far from home, intoxicated.",
    "Two other girls from the home were seen with the same man at the bus station.",
]


# Timers in a page are coarse (0.1 ms), so each figure is a batch of runs divided by its size.
LANGUAGE_BENCH = """async ({ text, runs }) => {
  const { compile, check } = await import('/lint.js');
  const { attachLanguageCheck, loadTerms } = await import('/language-ui.js');
  const terms = compile(await (await fetch('/language.json')).json());
  await loadTerms();
  const per = (fn) => {
    const t = performance.now();
    for (let i = 0; i < runs; i++) fn(i);
    return (performance.now() - t) / runs;
  };
  let found = 0;
  const checkMs = per(() => { found = check(text, terms).length; });
  const raw = per(() => { [...text.matchAll(/\\bwillful\\b/giu)]; });
  // The language check alone, on its own textarea, highlight and advice panel.
  const box = document.createElement('div');
  const area = document.createElement('textarea');
  const marks = document.createElement('div');
  const panel = document.createElement('div');
  box.append(marks, area, panel);
  document.body.append(box);
  attachLanguageCheck({ textarea: area, marks, panel, form: box });
  const type = (el) => (i) => {
    el.value = text.slice(0, 4900 + (i % 100));
    el.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const language = per(type(area));
  box.remove();
  const form = per(type(document.getElementById('f-narrative')));
  return { check: checkMs, raw, language, form, found, length: text.length };
}"""


def shell_size() -> None:
    rows = []
    for path in sorted(PWA.rglob("*")):
        if path.suffix in {".html", ".css", ".js"} and path.is_file():
            raw = path.read_bytes()
            rows.append((path.relative_to(PWA).as_posix(), len(raw), len(gzip.compress(raw, 6))))
    raw_total = sum(r[1] for r in rows)
    gz_total = sum(r[2] for r in rows)
    data = sum(len(gzip.compress(p.read_bytes(), 6)) for p in PWA.glob("*.json"))
    print(
        f"shell: {len(rows)} files, {raw_total / 1024:.1f} KiB raw, "
        f"{gz_total / 1024:.1f} KiB gzipped (budget 100 KiB); term list {data / 1024:.1f} KiB gz"
    )
    for name, raw, gz in sorted(rows, key=lambda r: -r[2])[:5]:
        print(f"  {name:18} {raw / 1024:6.1f} KiB raw {gz / 1024:6.1f} KiB gz")


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered):7.2f} ms  max {ordered[-1]:7.2f} ms"


def browser_figures(runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "instance", f"sqlite:///{tmp}/bench.db")
        server.cli("init")
        invites = server.demo_invites()
        server.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(viewport={"width": 360, "height": 740})
                # Marks the moment the app says a view is ready (init scripts bypass the CSP).
                context.add_init_script(
                    "document.addEventListener('frontline:ready', () => "
                    "{ window.__ready = performance.now(); }, { once: true });"
                )
                page = context.new_page()
                cdp, _ = add_authenticator(page)
                page.goto(next(i["url"] for i in invites if i["name"] == "Jordan Ellis"))
                page.click("#enrol")
                page.wait_for_selector("#view-home:not([hidden])")
                for _ in range(100):
                    if page.evaluate("navigator.serviceWorker.controller !== null"):
                        break
                    page.wait_for_timeout(100)
                context.set_offline(True)
                # With a DevTools session attached, Chromium needs offline emulated there too.
                cdp.send("Network.enable")
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": True,
                        "latency": 0,
                        "downloadThroughput": -1,
                        "uploadThroughput": -1,
                    },
                )
                app, unlocked, baseline = [], [], []
                page.goto(f"{server.origin}/icons/icon.svg")  # so each start loads the app anew
                for _ in range(runs):
                    # Every start is locked: the lock screen first, then the passkey's PRF
                    # output opens the app offline and the record screen says it is ready.
                    page.goto(f"{server.origin}/#/record")
                    page.wait_for_selector("#signin:not([hidden])")
                    app.append(page.evaluate("performance.now()"))
                    started = page.evaluate("performance.now()")
                    page.click("#signin")
                    page.wait_for_selector("#view-record:not([hidden])")
                    for _ in range(100):
                        ready = page.evaluate("window.__ready")
                        if ready:
                            break
                        page.wait_for_timeout(20)
                    unlocked.append(ready - started)
                    page.goto(f"{server.origin}/icons/icon.svg")
                    baseline.append(
                        page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
                    )
                print(f"offline start, lock screen ready:    {_ms(app)}  (budget 1000 ms)")
                print(f"unlock with the passkey, record ready: {_ms(unlocked)}")
                print(
                    f"offline navigation to a cached file: {_ms(baseline)}  "
                    f"ratio {statistics.median(app) / statistics.median(baseline):.1f}x"
                )
                page.goto(f"{server.origin}/#/record")
                page.click("#signin")
                page.wait_for_selector("#view-record:not([hidden])")
                text = " ".join(SENTENCES[i % len(SENTENCES)] for i in range(70))[:5000]
                figures = page.evaluate(LANGUAGE_BENCH, {"text": text, "runs": 200})
                print(
                    f"language check on {figures['length']} characters "
                    f"({figures['found']} flags), per keystroke:"
                )
                print(f"  check() alone:           {figures['check']:7.3f} ms")
                print(f"  check, highlight, advice: {figures['language']:7.3f} ms  (budget 5 ms)")
                print(f"  the whole form's keystroke (also the draft): {figures['form']:7.3f} ms")
                print(
                    f"  raw one-regex scan:      {figures['raw']:7.3f} ms  ratio "
                    f"{figures['check'] / figures['raw']:.1f}x (check), "
                    f"{figures['language'] / figures['raw']:.1f}x (with rendering)"
                )
                browser.close()
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    shell_size()
    browser_figures(args.runs)


if __name__ == "__main__":
    main()
