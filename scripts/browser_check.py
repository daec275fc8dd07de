"""Open every page of the built book in headless Chromium and check what a reader would see.

    python scripts/browser_check.py [HTML_DIR] [--screenshots DIR]

Serves HTML_DIR (default ``_build/html``) on 127.0.0.1 and, for each page
outside ``_static/`` and ``_sources/``, checks that

* it is served with HTTP 200, and every resource it loads too;
* the browser console shows no error (level SEVERE: failed loads, JS exceptions);
* every ``<img>`` decoded with a non-zero natural width, and a chapter
  (``notebooks/``) shows at least one figure;
* MathJax, where a page loads it, comes from the site's own copy
  (``_static/mathjax/``, MathJax 3.2.2, shipped by ``scripts/book.sh``) and
  nothing is loaded from another host, so the book reads offline;
* every math element was typeset, and no raw TeX is left in the text a
  reader sees (outside code and MathJax's output): no ``$...$`` pair, no
  ``$$``, ``\\(``, ``\\[`` and no TeX command such as ``\\frac``;
* every internal link resolves to a page served with 200, and its ``#fragment``
  (if any) to an element with that id;
* the reader's test, in a 1280-pixel-wide window: no code cell input or
  output block is wider than its box (``scrollWidth > clientWidth + 1``:
  the reader would have to scroll sideways, or the text is cut off).  Every
  such block is printed; it counts as a failure only on the pages in
  :data:`DONE_PAGES` (chapters already redone for issue 19, which their
  owners add there) and as a warning elsewhere.  The book's CSS
  (``book/_static/grokbook.css``) fits 88-character code lines and wraps
  longer printed lines; printed lines that wrap are listed as notes (a
  printed table that wraps should be a rendered DataFrame), never failures;

then that the search page finds the word "grokking", and saves a screenshot
of the first screen of every chapter and prose page in ``_build/screenshots/``.

Browser: Debian's ``chromium`` and ``chromium-driver`` through selenium (no
driver or browser is downloaded).  Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urldefrag, urlsplit

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900", "--hide-scrollbars",
]
WINDOW_WIDTH = 1280
MATHJAX_VERSION = "3.2.2"
LOCAL_MATHJAX = "/_static/mathjax/"
# Pages whose code and output blocks must fit their boxes (a prefix of the page's path, or the path).
# Chapter owners add their chapter when they have applied issue 19's reading rules to it.
DONE_PAGES = (
    "index.html",
    "book/",
    "notebooks/00_modular_arithmetic.html",
    "notebooks/01_ising_model.html",
    "notebooks/02_ising_grokking.html",
    "notebooks/03_ising_sweeps.html",
    "notebooks/04_rule_learning.html",
    "notebooks/05_dimensional_transition.html",
    "notebooks/06_synthesis.html",
    "notebooks/07_your_own_experiment.html",
)
SKIP_DIRS = ("_static", "_sources", "_images")
PAGE_TIMEOUT = 30.0
SEARCH_WORD = "grokking"

# Waits for MathJax (if the page loads it) and for every <img> to load or fail
# (scrolled into view first, for lazy images); then reports what it found.
INSPECT_JS = r"""
const done = arguments[arguments.length - 1];
(async () => {
  const settle = (img) => img.complete ? Promise.resolve() : new Promise((ok) => {
    img.addEventListener('load', ok, {once: true});
    img.addEventListener('error', ok, {once: true});
    setTimeout(ok, 10000);
  });
  const images = Array.from(document.images);
  for (const img of images) { img.scrollIntoView(); }
  await Promise.all(images.map(settle));
  window.scrollTo(0, 0);
  const mathjaxScripts = Array.from(document.scripts).filter((s) => /mathjax/i.test(s.src)).map((s) => s.src);
  let mathjax = 'absent';
  if (mathjaxScripts.length) {
    const start = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() - start < 15000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise;
      mathjax = 'typeset';
    } else {
      mathjax = 'did not load';
    }
  }
  const maths = Array.from(document.querySelectorAll('.math'));
  const untypeset = maths.filter((m) => !m.querySelector('mjx-container')).map((m) => m.textContent.slice(0, 60));
  // Raw TeX: the text nodes a reader sees, outside code, scripts and MathJax's output.
  const main = document.querySelector('main') || document.body;
  const skip = 'pre, code, script, style, textarea, mjx-container, mjx-assistive-mml, .MathJax';
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement && n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const patterns = [/\$\$/, /\$[^$\s][^$]*\$/, /\\\(/, /\\\[/, /\\[A-Za-z]{2,}/];
  const raw = [];
  // a block's text, so that "$x" + "$" split over two nodes is still seen
  const blocks = new Map();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const block = n.parentElement.closest('p, li, td, th, figcaption, dt, dd, h1, h2, h3, h4, div') || main;
    blocks.set(block, (blocks.get(block) || '') + n.textContent);
  }
  for (const text of blocks.values()) {
    for (const p of patterns) {
      const m = text.match(p);
      if (m) { raw.push(text.slice(Math.max(0, m.index - 30), m.index + 40).replace(/\s+/g, ' ')); break; }
    }
  }
  // The reader's test: blocks wider than their box.
  const selectors = ['div.highlight pre', '.cell_output pre', '.cell_output .output', '.cell_output table',
                     'div.output pre', '.cell_output .text_html'];
  const wide = [];
  const seen = new Set();
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      if (seen.has(el) || el.closest('.bd-sidebar-primary, .bd-sidebar-secondary')) continue;
      seen.add(el);
      if (el.scrollWidth > el.clientWidth + 1) {
        const cell = el.closest('.cell');
        const kind = el.closest('.cell_input, div.highlight') && !el.closest('.cell_output') ? 'code' : 'output';
        const cells = Array.from(document.querySelectorAll('.cell'));
        wide.push({kind, selector: sel, cell: cell ? cells.indexOf(cell) : -1,
                   scroll: el.scrollWidth, client: el.clientWidth,
                   text: (el.textContent || '').trim().split('\n')[0].slice(0, 60)});
      }
    }
  }
  // Printed lines that wrap (they fit, but a wrapped table is hard to read: such tables should be DataFrames).
  const wrapped = [];
  Array.from(document.querySelectorAll('.cell_output pre')).forEach((pre) => {
    const span = document.createElement('span');
    span.style.whiteSpace = 'pre';
    span.textContent = '0'.repeat(100);
    pre.appendChild(span);
    const charWidth = span.getBoundingClientRect().width / 100;
    span.remove();
    const cs = getComputedStyle(pre);
    const columns = Math.floor((pre.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)) / charWidth);
    const lines = pre.textContent.split('\n');
    const long = lines.filter((l) => l.length > columns);
    if (long.length) {
      const cell = pre.closest('.cell');
      wrapped.push({cell: cell ? Array.from(document.querySelectorAll('.cell')).indexOf(cell) : -1,
                    n: long.length, of: lines.length, columns, longest: Math.max(...long.map((l) => l.length))});
    }
  });
  const resources = performance.getEntriesByType('resource').map((r) => r.name);
  done({
    brokenImages: images.filter((i) => !(i.naturalWidth > 0)).map((i) => i.getAttribute('src')),
    nImages: images.length,
    nFigures: document.querySelectorAll('article img').length,
    mathjax, mathjaxScripts, mathjaxVersion: window.MathJax && MathJax.version || null,
    nMath: maths.length, untypeset, raw, wide, wrapped, resources, innerWidth: window.innerWidth,
    links: Array.from(document.querySelectorAll('a[href]')).map((a) => a.href),
  });
})().catch((e) => done({error: String(e)}));
"""


@dataclass
class PageReport:
    path: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: str = ""


class _Handler(SimpleHTTPRequestHandler):
    """Static files, as the built site holds them; records every status."""

    statuses: ClassVar[list[tuple[str, int]]] = []

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.statuses.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """The browser may drop a connection mid-response (a cancelled load): not a failure of the site."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def serve(html: Path) -> tuple[ThreadingHTTPServer, str, list[tuple[str, int]]]:
    """Start the server in a thread: (server, base URL, the list it appends (path, status) to)."""
    handler = type("Handler", (_Handler,), {"statuses": []})
    server = _Server(("127.0.0.1", 0), partial(handler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/", handler.statuses


def start_browser(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    driver.set_script_timeout(PAGE_TIMEOUT)
    return driver


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def is_done(relative: str) -> bool:
    """A page whose wide blocks fail the check (issue 19 applied to it), not only warn."""
    return any(relative == done or (done.endswith("/") and relative.startswith(done)) for done in DONE_PAGES)


def check_page(driver: webdriver.Chrome, base: str, relative: str, statuses: list, screenshot: Path | None) -> tuple[PageReport, list[str]]:
    report = PageReport(relative)
    url = base + relative
    status = http_status(url)
    if status != 200:
        report.problems.append(f"HTTP {status}")
        return report, []
    statuses.clear()
    driver.get(url)
    found = driver.execute_async_script(INSPECT_JS)
    if "error" in found:
        report.problems.append(f"page inspection failed: {found['error']}")
        return report, []
    for entry in driver.get_log("browser"):
        if entry["level"] == "SEVERE":
            report.problems.append(f"console error: {entry['message'][:300]}")
    # (/favicon.ico is the browser's own probe on pages that declare no icon, not a resource of the page;
    # if it fails where it matters, the console error above reports it)
    report.problems += [f"{path} loaded with HTTP {code}" for path, code in list(statuses) if code >= 400 and path != "/favicon.ico"]
    report.problems += [f"image with zero natural width: {src}" for src in found["brokenImages"]]
    if relative.startswith("notebooks/") and found["nFigures"] == 0:
        report.problems.append("chapter shows no figure (were its outputs saved without images?)")
    if found["nMath"] and found["mathjax"] != "typeset":
        report.problems.append(f"MathJax {found['mathjax']} ({found['nMath']} math elements)")
    for src in found["mathjaxScripts"]:
        if not src.startswith(base) or LOCAL_MATHJAX not in src:
            report.problems.append(f"MathJax loaded from {src}, not the site's own copy {LOCAL_MATHJAX}")
    if found["mathjax"] == "typeset" and found["mathjaxVersion"] != MATHJAX_VERSION:
        report.problems.append(f"MathJax {found['mathjaxVersion']} loaded, want the shipped {MATHJAX_VERSION}")
    report.problems += [f"loaded from another host: {url[:120]}" for url in found["resources"] if not url.startswith(base)]
    report.problems += [f"math not typeset: {text!r}" for text in found["untypeset"][:5]]
    report.problems += [f"raw TeX in the text: {text!r}" for text in found["raw"][:10]]
    if found["innerWidth"] != WINDOW_WIDTH:
        report.problems.append(f"window is {found['innerWidth']} px wide, the reader's test wants {WINDOW_WIDTH}")
    wide = [
        f"{w['kind']} block of cell {w['cell']} ({w['selector']}) is {w['scroll']} px wide in a {w['client']} px box: {w['text']!r}"
        for w in found["wide"]
    ]
    if is_done(relative):
        report.problems += wide
    else:
        report.warnings += wide
    report.notes += [
        f"output of cell {w['cell']}: {w['n']} of {w['of']} printed lines wrap (longest {w['longest']} characters,"
        f" {w['columns']} fit): a table there reads better as a rendered DataFrame"
        for w in found["wrapped"]
    ]
    report.problems = list(dict.fromkeys(report.problems))  # a resource that failed twice is one problem
    if screenshot is not None:
        driver.save_screenshot(str(screenshot))
    report.summary = (
        f"{found['nFigures']} figures, {found['nImages']} images, {found['nMath']} math, {len(found['links'])} links"
        + (f", {len(found['wide'])} blocks wider than their box" if found["wide"] else "")
    )
    return report, found["links"]


def check_links(links: dict[str, set[str]], base: str, html: Path) -> list[str]:
    """Every internal link -> a page served with 200 and, for #fragment, an element with that id."""
    problems, status_of, ids_of = [], {}, {}
    for link, pages in sorted(links.items()):
        if not link.startswith(base):
            continue
        target, fragment = urldefrag(link)
        if target not in status_of:
            status_of[target] = http_status(target)
        where = ", ".join(sorted(pages)[:3])
        if status_of[target] != 200:
            problems.append(f"broken link {link[len(base) - 1:]} (HTTP {status_of[target]}) on {where}")
            continue
        path = unquote(urlsplit(target).path)
        if not fragment or not path.endswith((".html", "/")):
            continue
        if target not in ids_of:
            file = html / path.lstrip("/")
            parser = _Ids()
            parser.feed((file / "index.html" if file.is_dir() else file).read_text(encoding="utf-8"))
            ids_of[target] = parser.ids
        if unquote(fragment) not in ids_of[target]:
            problems.append(f"broken anchor {link[len(base) - 1:]} on {where}")
    return problems


def check_search(driver: webdriver.Chrome, base: str) -> tuple[list[str], int]:
    driver.get(f"{base}search.html?q={SEARCH_WORD}")
    try:
        WebDriverWait(driver, PAGE_TIMEOUT).until(
            lambda d: d.execute_script("const s = document.querySelector('#search-results .search-summary, #search-results p');"
                                       " return s && /found|did not match/i.test(s.textContent);")
        )
    except TimeoutException:
        return [f"search for {SEARCH_WORD!r} did not finish within {PAGE_TIMEOUT:.0f} s"], 0
    hits = driver.execute_script("return document.querySelectorAll('#search-results ul.search li').length;")
    errors = [f"console error on search: {e['message'][:300]}" for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return errors + ([] if hits else [f"search for {SEARCH_WORD!r} found nothing"]), hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, default=ROOT / "_build" / "html", help="built book (default _build/html)")
    parser.add_argument("--screenshots", type=Path, default=None, help="where screenshots go (default: HTML_DIR/../screenshots)")
    args = parser.parse_args()
    html = args.html.resolve()
    if not (html / "index.html").is_file():
        sys.exit(f"browser_check: no {html / 'index.html'}; build the book first")
    if not (html / LOCAL_MATHJAX.strip("/") / "tex-mml-chtml.js").is_file():
        sys.exit(f"browser_check: {html}{LOCAL_MATHJAX} has no tex-mml-chtml.js; build the book with scripts/book.sh, which ships MathJax")
    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.access(program, os.X_OK):
            sys.exit(f"browser_check: {program} not found; install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    shots = (args.screenshots or html.parent / "screenshots").resolve()
    shots.mkdir(parents=True, exist_ok=True)
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if p.relative_to(html).parts[0] not in SKIP_DIRS)

    server, base, statuses = serve(html)
    failures, warnings, links = 0, 0, {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grokbook-chromium-") as profile:
        driver = start_browser(profile)
        try:
            for relative in pages:
                chapter = relative.startswith(("notebooks/", "book/"))
                shot = shots / (relative.removesuffix(".html").replace("/", "__") + ".png") if chapter else None
                report, page_links = check_page(driver, base, relative, statuses, shot)
                for link in page_links:
                    links.setdefault(link, set()).add(relative)
                failures += len(report.problems)
                warnings += len(report.warnings)
                print(f"{'FAIL' if report.problems else 'warn' if report.warnings else 'ok  '} {relative}  {report.summary}")
                for problem in report.problems:
                    print(f"       {problem}")
                for warning in report.warnings:
                    print(f"       (warning, page not in DONE_PAGES) {warning}")
                for note in report.notes:
                    print(f"       (note) {note}")
            link_problems = check_links(links, base, html)
            n_internal = sum(link.startswith(base) for link in links)
            print(f"{'FAIL' if link_problems else 'ok  '} links: {n_internal} distinct internal links checked")
            for problem in link_problems:
                print(f"       {problem}")
            search_problems, hits = check_search(driver, base)
            print(f"{'FAIL' if search_problems else 'ok  '} search for {SEARCH_WORD!r}: {hits} pages found")
            for problem in search_problems:
                print(f"       {problem}")
            failures += len(link_problems) + len(search_problems)
        finally:
            driver.quit()
            server.shutdown()
    print(
        f"browser check: {len(pages)} pages, {failures} problems, {warnings} warnings (wide blocks on pages not yet"
        f" in DONE_PAGES), screenshots in {shots} ({time.perf_counter() - start:.0f} s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
