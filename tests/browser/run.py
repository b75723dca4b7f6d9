#!/usr/bin/env python3
"""Real-browser tests of `policies serve` (headless Chromium driven by Selenium).

    python3 tests/browser/run.py --bin target/debug/policies --workdir /tmp/w --shots target/screenshots

Copies tests/fixtures/seeds/* (plus one hostile policy for the escaping check) into
WORKDIR/corpus, runs `policies index --quiet` in WORKDIR, starts
`policies serve --bind 127.0.0.1:0 --quiet` there, reads the port from its stderr and
checks the search, facet, policy, index, changes and trend pages against the CLI's own
answers. One seed vendor gets a second, later snapshot (a section removed, one added, one
word changed) for the changes page. Screenshots of each page go to SHOTS as PNG.

Exit status: 0 all checks passed, 1 a check failed (expected and found are printed),
77 chromium, chromedriver or selenium is missing (prints `SKIPPED: ...`).
"""

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import html
import urllib.parse
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("POLICIES_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("POLICIES_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
DEBIAN_PYTHON = "/usr/bin/python3"
SKIP = 77
WAIT = 20  # seconds to wait for a page element
SERVER_START = 30  # seconds to wait for the "serving ... at URL" line

PHRASE = '"credit card"'
EVIL_WORD = "zqxjkevil"
LITERAL_SCRIPT = "<script>window.__pwned=1</script>"
LITERAL_BREAKOUT = '"><img src=x onerror="window.__pwned=2">'
# The second snapshot of one seed vendor (check f): a new section, and one word of a kept
# section replaced (so the diff has a changed section as well as an added and a removed one).
NEW_HEADING = "Wombat ledger notices"
NEW_TEXT = "We keep a wombat ledger of every newsletter request and erase it each spring."
CHANGED_WORD = "quokkas"
TREND_QUERIES = [PHRASE, "cookies"]


def skip(what):
    print(f"SKIPPED: {what}", flush=True)
    sys.exit(SKIP)


def check_prerequisites():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        # `python3` may be a pyenv/venv interpreter without Debian's python3-selenium:
        # run again under Debian's interpreter when that one has it.
        me = os.path.realpath(sys.executable)
        if (
            os.environ.get("POLICIES_BROWSER_REEXEC") != "1"
            and os.access(DEBIAN_PYTHON, os.X_OK)
            and os.path.realpath(DEBIAN_PYTHON) != me
        ):
            probe = subprocess.run([DEBIAN_PYTHON, "-c", "import selenium"], capture_output=True)
            if probe.returncode == 0:
                env = dict(os.environ, POLICIES_BROWSER_REEXEC="1")
                sys.stdout.flush()
                os.execve(DEBIAN_PYTHON, [DEBIAN_PYTHON, "-u", *sys.argv], env)
        missing.append(f"python module selenium (for {sys.executable}; apt-get install python3-selenium)")
    if missing:
        skip(", ".join(missing))


class CheckFailed(Exception):
    pass


def expect(ok, what, expected, found):
    if not ok:
        raise CheckFailed(f"{what}\n    expected: {expected}\n    found:    {found}")


# --------------------------------------------------------------------------- setup


def run_cli(binary, workdir, *args):
    r = subprocess.run([binary, *args], cwd=workdir, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise CheckFailed(
            f"`policies {' '.join(args)}` exited {r.returncode}\n    stdout: {r.stdout.strip()}\n"
            f"    stderr: {r.stderr.strip()}"
        )
    return r.stdout


def cli_count(binary, workdir, *args):
    out = run_cli(binary, workdir, "query", *args, "--count").strip()
    expect(re.fullmatch(r"\d+", out) is not None, f"`policies query {' '.join(args)} --count` prints a number", "an integer", repr(out))
    return int(out)


def evil_policy(seed_file):
    """A policy with hostile content, under the header line of a seed with its domain changed."""
    header = Path(seed_file).read_text(encoding="utf-8").splitlines()[0]
    m = re.search(r"from the (\S+) privacy policy", header)
    if not m:
        raise CheckFailed(f"cannot find the domain in the seed header line of {seed_file}: {header!r}")
    header = header.replace(m.group(1), "evil.example")
    # Raw HTML in Markdown is markup: the parser drops the tags when indexing
    # (src/corpus/parse.rs), so those copies only test that nothing runs. The
    # backslash-escaped and code-span copies are text and reach the pages verbatim:
    # they test the web app's escaping.
    return (
        f"{header}\n\n"
        f"# Evil Example privacy policy {EVIL_WORD}\n\n"
        f"## Scripts {EVIL_WORD}\n\n"
        f"A raw tag: <script>window.__pwned=1</script> and the word {EVIL_WORD}.\n\n"
        f"<script>window.__pwned=1</script>\n\n"
        f"A literal tag: `{LITERAL_SCRIPT}` near {EVIL_WORD}.\n\n"
        f"## Links {EVIL_WORD}\n\n"
        f"A Markdown link: [click](javascript:alert(1)) near {EVIL_WORD}.\n\n"
        f"## Attributes {EVIL_WORD}\n\n"
        f'A raw attribute breakout: "><img src=x onerror="window.__pwned=2"> and {EVIL_WORD} again.\n\n'
        f'A literal attribute breakout: ">\\<img src=x onerror="window.__pwned=2"> and {EVIL_WORD} again.\n'
    )


HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ARCHIVED_RE = re.compile(r"(archived on )(\d{4})-(\d{2})-(\d{2})")
PLAIN_HEADING_RE = re.compile(r"\w[\w ,'-]*")
MARKUP_RE = re.compile(r"[\[\]*_`\\<>#|]")


def md_sections(lines):
    """Each Markdown heading of `lines`: its level, its text, the lines it spans (heading
    included), whether a deeper heading follows it (a parent) and its text on one line."""
    heads = [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines) if (m := HEADING_RE.match(line))]
    out = []
    for k, (start, level, heading) in enumerate(heads):
        end, next_level = heads[k + 1][:2] if k + 1 < len(heads) else (len(lines), 0)
        out.append({
            "level": level, "heading": heading, "start": start, "end": end,
            "leaf": next_level <= level, "text": " ".join(" ".join(lines[start + 1:end]).split()),
        })
    return out


def second_snapshot(seeds):
    """A later snapshot of the first seed with two plain `#`/`##` sections besides its title
    (no subsections, no Markdown in heading or text): the first such section removed, one
    word of the last replaced by CHANGED_WORD, and a NEW_HEADING section appended."""
    for seed in seeds:
        lines = seed.read_text(encoding="utf-8").splitlines()
        header = ARCHIVED_RE.search(lines[0]) if lines else None
        vendor = re.search(r"from the (\S+) privacy policy", lines[0]) if lines else None
        secs = md_sections(lines)
        plain = [
            s for s in secs[1:]
            if s["level"] <= 2 and s["leaf"] and PLAIN_HEADING_RE.fullmatch(s["heading"])
            and len(s["text"].split()) >= 5 and not MARKUP_RE.search(s["text"])
        ]
        if header is None or vendor is None or len(plain) < 2:
            continue
        removed, edited = plain[0], plain[-1]
        year, month, day = int(header.group(2)), header.group(3), min(int(header.group(4)), 28)
        old_date = f"{header.group(2)}-{month}-{header.group(4)}"
        new_date = f"{year + 2}-{month}-{day:02d}"
        new = list(lines)
        new[0] = ARCHIVED_RE.sub(lambda m: f"{m.group(1)}{new_date}", new[0], count=1)
        word_re = re.compile(r"(?<![\w-])[A-Za-z]{5,}(?![\w-])")
        query_words = {w.lower() for q in (PHRASE, *TREND_QUERIES) for w in re.findall(r"\w+", q)}
        for i in range(edited["start"] + 1, edited["end"]):
            m = next((m for m in word_re.finditer(new[i]) if m.group(0).lower() not in query_words), None)
            if m:
                changed = {"heading": edited["heading"], "old_word": m.group(0)}
                new[i] = new[i][:m.start()] + CHANGED_WORD + new[i][m.end():]
                break
        else:
            continue
        del new[removed["start"]:removed["end"]]
        while new and not new[-1].strip():
            new.pop()
        text = "\n".join(new) + f"\n\n## {NEW_HEADING}\n\n{NEW_TEXT}\n"
        return text, {
            "seed": seed.name, "vendor": vendor.group(1), "old_date": old_date, "new_date": new_date,
            "removed_heading": removed["heading"], "removed_text": removed["text"],
            "added_heading": NEW_HEADING, "added_text": NEW_TEXT, "changed": changed,
        }
    raise CheckFailed(
        "a seed for the second snapshot\n    expected: a seed with an `archived on YYYY-MM-DD` header and two plain "
        f"`#`/`##` sections besides its title\n    found:    none of {[p.name for p in seeds]}"
    )


def prepare_corpus(workdir, seeds_dir):
    """Write the corpus; returns what the second snapshot of one vendor changed (check f)."""
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    seeds = sorted(p for p in seeds_dir.iterdir() if p.is_file())
    if not seeds:
        raise CheckFailed(f"no seed files in {seeds_dir}")
    for p in seeds:
        shutil.copy(p, corpus / p.name)
    (corpus / "999_evil_example.txt").write_text(evil_policy(seeds[0]), encoding="utf-8")
    text, changes = second_snapshot(seeds)
    (corpus / "998_second_snapshot.txt").write_text(text, encoding="utf-8")
    return changes


class Server:
    def __init__(self, binary, workdir):
        self.proc = subprocess.Popen(
            [binary, "serve", "--bind", "127.0.0.1:0", "--quiet"],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines = []
        self.started = False
        self._q = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:  # keep reading so the pipe never fills
            self.lines.append(line.rstrip("\n"))
            self._q.put(line)
        self._q.put(None)

    def url(self):
        deadline = time.monotonic() + SERVER_START
        while time.monotonic() < deadline:
            try:
                line = self._q.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            m = re.search(r"serving .* at (http://127\.0\.0\.1:(\d+)/)", line)
            if m and int(m.group(2)) != 0:
                self.started = True
                return m.group(1)
        raise CheckFailed(
            "`policies serve --bind 127.0.0.1:0 --quiet` announces its address on stderr\n"
            "    expected: a line `policies: serving <index> at http://127.0.0.1:PORT/ (Ctrl-C stops)`\n"
            f"    found:    exit status {self.proc.poll()}, stderr {self.lines!r}"
        )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_browser(profile_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile_dir}",
        "--window-size=1280,1000",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    return driver


# --------------------------------------------------------------------------- checks


class Browser:
    def __init__(self, driver, base, shots):
        self.d = driver
        self.base = base
        self.shots = shots

    def shot(self, name):
        path = self.shots / f"{name}.png"
        self.d.save_screenshot(str(path))
        print(f"  screenshot {path}")

    def wait_for(self, css, what):
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.d, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise CheckFailed(
                f"{what}\n    expected: an element `{css}` within {WAIT}s\n"
                f"    found:    none at {self.d.current_url} (title {self.d.title!r}; page text: {self.page_text()[:400]!r})"
            ) from None

    def page_text(self):
        from selenium.webdriver.common.by import By

        try:
            return self.d.find_element(By.TAG_NAME, "body").text
        except Exception:
            return ""

    def all(self, css):
        from selenium.webdriver.common.by import By

        return self.d.find_elements(By.CSS_SELECTOR, css)

    def click_and_wait(self, element, css, what):
        """Click a link and wait for the next page."""
        return self.act_and_wait(element.click, css, what)

    def act_and_wait(self, action, css, what):
        """Do `action` (a click, Enter in a form), wait for the next page, a new document
        without the mark put on the old one, then for `css` in it. (Waiting for the old
        page's element to go stale failed now and then: while the page changes,
        chromedriver may answer "Node with given id does not belong to the document"
        instead of a stale-element error.)"""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        self.d.execute_script("window.__policiesOldPage = true;")
        action()

        def new_document(d):
            return d.execute_script("return window.__policiesOldPage !== true;")

        try:
            # Errors while the next page loads (no document to run the script in yet)
            # mean: not there yet.
            WebDriverWait(self.d, WAIT, ignored_exceptions=(WebDriverException,)).until(new_document)
        except TimeoutException:
            raise CheckFailed(f"{what}\n    expected: a new page after the click\n    found:    still at {self.d.current_url}") from None
        return self.wait_for(css, what)

    def summary_total(self, what):
        text = self.wait_for("p#summary", what).text.strip()
        m = re.match(r"([\d,]+) matching sections?\b", text)
        expect(m is not None, f"{what}: the summary starts with 'N matching sections'", "'N matching sections …'", repr(text))
        return int(m.group(1).replace(",", ""))

    def query_params(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.d.current_url).query)

    def submit_form(self, form_css, choices, css, what):
        """Pick options in the form's selects ({name: visible text}), click its submit button
        and wait for the next page."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        form = self.wait_for(form_css, what)
        for name, label in choices.items():
            sel = form.find_elements(By.CSS_SELECTOR, f"select[name={name}]")
            expect(len(sel) == 1, f"{what}: the form has one select name={name}", 1, len(sel))
            options = [o.text for o in Select(sel[0]).options]
            expect(label in options, f"{what}: the {name} select offers {label!r}", label, options)
            Select(sel[0]).select_by_visible_text(label)
        buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit]")
        expect(len(buttons) == 1, f"{what}: the form has one submit button", 1, [x.text for x in buttons])
        return self.click_and_wait(buttons[0], css, what)

    def pwned(self):
        return self.d.execute_script("return typeof window.__pwned === 'undefined' ? null : String(window.__pwned);")


def check_search(b, binary, workdir):
    """(a) type the phrase into the query box, submit, compare the summary with the CLI."""
    from selenium.webdriver.common.keys import Keys

    print("(a) search for \"credit card\"")
    b.d.get(b.base)
    box = b.wait_for("input[name=q]", "the home page has a query box")
    box.clear()
    box.send_keys(PHRASE)
    b.act_and_wait(lambda: box.send_keys(Keys.ENTER), "ol#hits > li.hit", "searching '\"credit card\"' shows hits")
    q = b.query_params().get("q", [None])[0]
    expect(q == PHRASE, "the search URL carries the query", f"q={PHRASE!r}", f"q={q!r} ({b.d.current_url})")
    total = b.summary_total("search '\"credit card\"'")
    cli = cli_count(binary, workdir, PHRASE)
    expect(total == cli, "summary total equals `policies query '\"credit card\"' --count`", cli, total)
    hits = b.all("ol#hits > li.hit")
    expect(len(hits) == min(20, total), "hits on the first page", f"min(20, {total}) = {min(20, total)}", len(hits))
    for i, h in enumerate(hits, 1):
        expect(h.get_attribute("data-vendor") and re.fullmatch(r"\d{4}", h.get_attribute("data-year") or ""),
               f"hit {i} has data-vendor and a 4-digit data-year", "both set",
               f"data-vendor={h.get_attribute('data-vendor')!r} data-year={h.get_attribute('data-year')!r}")
    print(f"  {len(hits)} hits shown, total {total} (CLI: {cli})")
    b.shot("1-search-credit-card")


def check_year_facet(b, binary, workdir):
    """(b) click the first year of the year facet; every hit is from that year."""
    print("(b) narrow by the first year in #facet-year")
    links = b.all("ul#facet-year a")
    expect(links, "the year facet has links", "at least one `ul#facet-year a`", "none")
    year = (links[0].get_attribute("data-value") or "").strip()
    expect(re.fullmatch(r"\d{4}", year) is not None, "the first year link's data-value is a year", "YYYY", repr(year))
    b.click_and_wait(links[0], "p#summary", f"clicking year {year}")
    params = b.query_params()
    expect(params.get("since") == [year] and params.get("until") == [year] and params.get("q") == [PHRASE],
           "the year link keeps the query and sets since=Y&until=Y",
           f"q={PHRASE!r} since={year} until={year}", b.d.current_url)
    total = b.summary_total(f"search narrowed to {year}")
    cli = cli_count(binary, workdir, PHRASE, "--year", year)
    expect(total == cli, f"summary total equals `policies query '\"credit card\"' --year {year} --count`", cli, total)
    hits = b.all("ol#hits > li.hit")
    expect(len(hits) == min(20, total), f"hits on the first page for {year}", min(20, total), len(hits))
    years = [h.get_attribute("data-year") for h in hits]
    expect(all(y == year for y in years), f"every hit's data-year is {year}", year, years)
    print(f"  year {year}: {len(hits)} hits, total {total} (CLI: {cli})")
    b.shot("2-search-narrowed-by-year")


def check_policy_page(b):
    """(c) the first hit's vendor link opens the policy page at the hit's section."""
    print("(c) open the first hit's policy page")
    link = b.wait_for("ol#hits > li.hit a", "the first hit has a vendor link")
    vendor = link.text
    b.click_and_wait(link, "section.sec", f"clicking the vendor link {vendor!r}")
    url = urllib.parse.urlsplit(b.d.current_url)
    expect(url.path.startswith("/policy/"), "the vendor link opens a policy page", "/policy/{id}?section=…", b.d.current_url)
    section = urllib.parse.parse_qs(url.query).get("section", [None])[0]
    expect(section, "the policy URL names the section", "a section= parameter", b.d.current_url)
    marked = b.all("section.sec.marked")
    expect(len(marked) == 1, "exactly one section.sec.marked", 1, [m.get_attribute("id") for m in marked])
    expect(marked[0].get_attribute("id") == section, "the marked section is the one the URL asks for",
           f"id={section!r}", f"id={marked[0].get_attribute('id')!r}")
    b.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", marked[0])
    b.shot("3-policy-page")
    marks = b.d.execute_script("""
        return Array.from(document.querySelectorAll('mark')).map(m => {
            const sec = m.closest('section');
            let before = '', after = '';
            for (let n = m.previousSibling; n; n = n.previousSibling) before = n.textContent + before;
            for (let n = m.nextSibling; n; n = n.nextSibling) after += n.textContent;
            const t = m.textContent.replace(/\\s+/g, ' ').trim();
            return [t, sec ? sec.id : null,
                    (before.slice(-40) + '[' + t + ']' + after.slice(0, 20)).replace(/\\s+/g, ' ')];
        });""")
    expect(marks, "query matches are highlighted on the policy page", "<mark> elements", "none")
    bad = [f"{t!r} in section {sec}: '…{ctx}…'" for t, sec, ctx in marks if not re.fullmatch(r"credit cards?", t, re.IGNORECASE)]
    expect(not bad, f"every <mark> on the policy page holds the phrase ({len(marks)} marks)",
           "'credit card' or 'credit cards' (any case)", "; ".join(bad))
    print(f"  {vendor}: section {section} marked, {len(marks)} <mark> elements")


def check_index_page(b, binary, workdir):
    """(d) /index lists as many vendors as `policies vendors --format json`."""
    print("(d) /index")
    b.d.get(urllib.parse.urljoin(b.base, "/index"))
    b.wait_for("table#stats", "the index page has the stats table")
    b.wait_for("table#vendors", "the index page has the vendors table")
    rows = b.all("table#vendors tr")
    vendors = json.loads(run_cli(binary, workdir, "vendors", "--format", "json"))
    expect(isinstance(vendors, list), "`policies vendors --format json` is a JSON array", "a list", type(vendors).__name__)
    expect(len(rows) - 1 == len(vendors), "rows of #vendors (minus the header) equal the CLI's vendors",
           f"{len(vendors)} ({', '.join(v.get('vendor', '?') for v in vendors)})",
           f"{len(rows) - 1} ({', '.join(r.text.split(' ')[0] for r in rows[1:])})")
    print(f"  {len(rows) - 1} vendor rows (CLI: {len(vendors)})")
    b.shot("4-index-page")


def check_escaping(b):
    """(e) hostile policy text is shown as text, never run."""
    print(f"(e) escaping: search {EVIL_WORD} and open its policy")
    b.d.get(b.base + "?" + urllib.parse.urlencode({"q": EVIL_WORD}))
    b.wait_for("ol#hits > li.hit", f"searching {EVIL_WORD} finds the hostile policy")
    expect(b.pwned() is None, "no script ran on the search page", "window.__pwned undefined", f"window.__pwned = {b.pwned()!r}")
    hits = b.all("ol#hits > li.hit")
    vendors = {h.get_attribute("data-vendor") for h in hits}
    expect(vendors == {"evil.example"}, f"the hits for {EVIL_WORD} are the hostile policy's", {"evil.example"}, vendors)
    b.shot("5-escaping-search")
    link = b.wait_for("ol#hits > li.hit a", "the hostile hit has a vendor link")
    b.click_and_wait(link, "section.sec", "opening the hostile policy")
    expect(b.pwned() is None, "no script ran on the policy page", "window.__pwned undefined", f"window.__pwned = {b.pwned()!r}")
    text = b.page_text()
    for literal in (LITERAL_SCRIPT, LITERAL_BREAKOUT):
        expect(literal in text, "the policy page shows the hostile text as visible text", repr(literal), text[:900])
    js_links = [a.get_attribute("href") for a in b.all("a") if (a.get_attribute("href") or "").strip().lower().startswith("javascript:")]
    expect(not js_links, "no javascript: link on the policy page", "none", js_links)
    imgs = b.all("img")
    expect(not imgs, "the attribute breakout made no <img>", "no img elements", [i.get_attribute("outerHTML") for i in imgs])
    b.shot("6-escaping-policy-page")
    print("  window.__pwned undefined on both pages; <script> and the <img> breakout shown as text")


def words(text):
    return " ".join(text.split())


def check_changes(b, binary, workdir, changes):
    """(f) /changes/VENDOR, inline and side by side, against `policies diff VENDOR --format json`."""
    from selenium.webdriver.common.by import By

    vendor = changes["vendor"]
    print(f"(f) /changes/{vendor}: {changes['old_date']} → {changes['new_date']}")
    cli = json.loads(run_cli(binary, workdir, "diff", vendor, "--format", "json"))
    dates = ((cli.get("from") or {}).get("date"), (cli.get("to") or {}).get("date"))
    expect(dates == (changes["old_date"], changes["new_date"]),
           f"`policies diff {vendor}` compares the seed with the second snapshot written",
           (changes["old_date"], changes["new_date"]), dates)
    by_kind = {k: [s for s in cli["sections"] if s["change"] == k] for k in ("added", "removed", "changed")}
    for kind, heading in (("added", changes["added_heading"]), ("removed", changes["removed_heading"]),
                          ("changed", changes["changed"]["heading"])):
        expect([s["heading_path"][-1] for s in by_kind[kind]] == [heading],
               f"`policies diff {vendor} --format json`: the {kind} section is the one the corpus {kind}",
               [heading], [s["heading_path"] for s in by_kind[kind]])

    def sections(kind):
        return b.all(f"section.sec.change-{kind}")

    def heading(sec):
        return sec.find_element(By.TAG_NAME, "h3").text

    def one(kind, name):
        found = [s for s in sections(kind) if name in heading(s)]
        expect(len(found) == 1, f"one section.change-{kind} whose heading contains {name!r}",
               1, [heading(s) for s in sections(kind)])
        return found[0]

    def check_summary(layout):
        text = b.wait_for("#summary", f"the {layout} changes page has a summary").text
        m = re.search(r"(\d+) added, (\d+) removed, (\d+) changed, (\d+) unchanged", text)
        expect(m is not None, f"{layout}: #summary reads 'N added, N removed, N changed, N unchanged'",
               "those four counts", repr(text))
        found = dict(zip(("added", "removed", "changed", "unchanged"), map(int, m.groups())))
        want = {k: cli[k] for k in found}
        expect(found == want, f"{layout}: #summary counts equal `policies diff {vendor} --format json`", want, found)
        expect(changes["old_date"] in text and changes["new_date"] in text,
               f"{layout}: #summary names both snapshots' dates", (changes["old_date"], changes["new_date"]), repr(text))
        shown = {k: len(sections(k)) for k in ("added", "removed", "changed")}
        want = {k: cli[k] for k in shown}
        expect(shown == want, f"{layout}: section.change-KIND elements per kind equal the CLI's counts", want, shown)
        return found

    # Inline (the default layout): one text per section, insertions and deletions marked.
    b.d.get(urllib.parse.urljoin(b.base, f"/changes/{urllib.parse.quote(vendor)}"))
    b.wait_for("section.sec", f"/changes/{vendor} lists changed sections")
    counts = check_summary("inline")
    one("added", changes["added_heading"])
    one("removed", changes["removed_heading"])
    for s in by_kind["changed"]:
        sec = one("changed", s["heading_path"][-1])
        for op, tag in (("insert", "ins"), ("delete", "del")):
            want = words(" ".join(w["text"] for w in s["words"] if w["op"] == op))
            found = words(" ".join(e.text for e in sec.find_elements(By.TAG_NAME, tag)))
            expect(found == want, f"inline: the <{tag}> text of changed section {s['heading_path'][-1]!r} "
                   f"is the CLI's {op} runs", repr(want), repr(found))
    expect(not b.all(".side-by-side"), "inline: no .side-by-side blocks", 0, len(b.all(".side-by-side")))
    b.shot("7-changes-inline")

    # Side by side: the layout select, then Compare.
    b.submit_form(f"form[action='/changes/{vendor}']", {"layout": "side by side"}, ".side-by-side",
                  "choosing layout 'side by side' and clicking Compare")
    params = b.query_params()
    expect(params.get("layout") == ["side"], "the Compare button submits layout=side", "layout=side", b.d.current_url)
    expect(check_summary("side by side") == counts, "side by side: the same counts as inline", counts, "different")
    for sec in b.all("section.sec"):
        blocks = sec.find_elements(By.CSS_SELECTOR, ".side-by-side")
        olds = sec.find_elements(By.CSS_SELECTOR, ".side-by-side > p.old")
        news = sec.find_elements(By.CSS_SELECTOR, ".side-by-side > p.new")
        expect((len(blocks), len(olds), len(news)) == (1, 1, 1),
               f"side by side: section {heading(sec)!r} has one .side-by-side with one p.old and one p.new",
               (1, 1, 1), (len(blocks), len(olds), len(news)))
        o, n = olds[0].rect, news[0].rect
        expect(o["x"] + o["width"] <= n["x"] + 0.5,
               f"side by side: in {heading(sec)!r} the old column is left of the new one, not overlapping",
               "old right edge <= new left edge", f"old {o}, new {n}")
        expect(not olds[0].find_elements(By.TAG_NAME, "ins") and not news[0].find_elements(By.TAG_NAME, "del"),
               f"side by side: no <ins> in the old column and no <del> in the new one ({heading(sec)!r})",
               "none", "found")

    def columns(sec):
        return (words(sec.find_element(By.CSS_SELECTOR, "p.old").text),
                words(sec.find_element(By.CSS_SELECTOR, "p.new").text))

    old_text, new_text = columns(one("added", changes["added_heading"]))
    expect(changes["added_text"] in new_text and changes["added_text"] not in old_text,
           "side by side: the added section's text is in the new column only",
           f"new column has {changes['added_text']!r}, old column empty of it", f"old {old_text!r}, new {new_text!r}")
    old_text, new_text = columns(one("removed", changes["removed_heading"]))
    expect(changes["removed_text"] in old_text and changes["removed_text"] not in new_text,
           "side by side: the removed section's text is in the old column only",
           f"old column has {changes['removed_text']!r}, new column empty of it", f"old {old_text!r}, new {new_text!r}")
    sec = one("changed", changes["changed"]["heading"])
    dels = [e.text for e in sec.find_elements(By.CSS_SELECTOR, "p.old del")]
    ins = [e.text for e in sec.find_elements(By.CSS_SELECTOR, "p.new ins")]
    expect(any(changes["changed"]["old_word"] in d for d in dels) and any(CHANGED_WORD in i for i in ins),
           f"side by side: the changed word is <del> in the old column and <ins> in the new one",
           f"del {changes['changed']['old_word']!r}, ins {CHANGED_WORD!r}", f"del {dels}, ins {ins}")
    print(f"  {counts}; side by side: {len(b.all('section.sec'))} sections in two columns")
    b.shot("8-changes-side")


def trend_table(b):
    """The rows of table#trend: (period, total, [matching per query])."""
    cells = b.d.execute_script("""
        return Array.from(document.querySelectorAll('table#trend tr'))
            .filter(tr => tr.querySelector('td'))
            .map(tr => Array.from(tr.cells).map(c => c.textContent.trim()));""")
    rows = []
    for r in cells:
        expect(len(r) == 2 + 2 * len(TREND_QUERIES), "a #trend row has period, total, and matching and share per query",
               2 + 2 * len(TREND_QUERIES), r)
        try:
            rows.append((r[0], int(r[1].replace(",", "")), [int(c.replace(",", "")) for c in r[2::2]]))
        except ValueError:
            raise CheckFailed(f"#trend numbers\n    expected: integers in the total and matching columns\n    found:    {r}") from None
    return rows


def check_trend_view(b, binary, workdir, by, unit):
    """The chart and table of the trend page now shown, against the CLI with --by and --unit."""
    what = f"/trend by {by}, counting {unit}"
    img = b.wait_for("img#chart", f"{what}: the page has the chart")
    src = img.get_attribute("src") or ""
    url = urllib.parse.urlsplit(src)
    params = urllib.parse.parse_qs(url.query)
    expect(url.path == "/trend.svg" and params.get("q") == TREND_QUERIES and params.get("by") == [by]
           and params.get("unit", ["snapshots"]) == [unit],
           f"{what}: img#chart's src is /trend.svg with the page's queries",
           f"/trend.svg?q=…&q=cookies&by={by}&unit={unit}", src)
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(b.d, WAIT).until(
            lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", img))
    except TimeoutException:
        state = b.d.execute_script("return [arguments[0].complete, arguments[0].naturalWidth];", img)
        raise CheckFailed(f"{what}: the browser loads the chart\n    expected: img#chart complete with "
                          f"naturalWidth > 0 within {WAIT}s\n    found:    [complete, naturalWidth] = {state}") from None
    with urllib.request.urlopen(src, timeout=60) as r:
        status, ctype, svg = r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    expect(status == 200 and "image/svg+xml" in ctype and "<svg" in svg, f"{what}: {src} is an SVG image",
           "200, image/svg+xml, <svg …>", f"{status}, {ctype!r}, {svg[:80]!r}")
    # Plotters draws axes and ticks as black <polyline>s and the grid as <line>s; each
    # query's series is a coloured <polyline> (one per run of non-empty periods, plus
    # its legend sample), so count the series by colour.
    strokes = re.findall(r"<(?:polyline|path)\b[^>]*?\bstroke=\"([^\"]+)\"", svg)
    colours = sorted({c.lower() for c in strokes} - {"#000000", "black", "none"})
    expect(len(colours) == len(TREND_QUERIES), f"{what}: the chart draws one coloured line per query",
           len(TREND_QUERIES), f"{len(colours)} ({colours}; strokes {sorted(set(strokes))})")
    labels = [html.unescape(t).strip() for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]
    expect(all(q in labels for q in TREND_QUERIES), f"{what}: the chart's legend names every query",
           TREND_QUERIES, labels)
    args = ["trend", *TREND_QUERIES, "--format", "json"] + (["--by", by] if by != "year" else []) + \
        (["--unit", unit] if unit != "snapshots" else [])
    cli = json.loads(run_cli(binary, workdir, *args))
    want = [(r["period"], r["total"], [m["matching"] for m in r["matches"]]) for r in cli["rows"]]
    found = trend_table(b)
    expect(found == want, f"{what}: table#trend rows equal `policies {' '.join(args)}` (period, total, matching)",
           want, found)
    print(f"  {what}: {len(found)} rows equal the CLI's; chart {len(colours)} lines")


def check_trend(b, binary, workdir):
    """(g) /trend: chart and table by year, then by half-year counting sites."""
    print("(g) /trend")
    query = urllib.parse.urlencode([("q", q) for q in TREND_QUERIES] + [("by", "year")])
    b.d.get(urllib.parse.urljoin(b.base, f"/trend?{query}"))
    check_trend_view(b, binary, workdir, "year", "snapshots")
    b.submit_form("form[action='/trend']", {"by": "half", "unit": "sites (once per period)"}, "img#chart",
                  "choosing per half and counting sites, then Draw")
    params = b.query_params()
    expect(params.get("by") == ["half"] and params.get("unit") == ["sites"] and params.get("q") == TREND_QUERIES,
           "the Draw button submits the queries with by=half&unit=sites", "q=…&by=half&unit=sites", b.d.current_url)
    check_trend_view(b, binary, workdir, "half", "sites")
    b.shot("9-trend")


# --------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the policies binary")
    ap.add_argument("--workdir", required=True, help="directory for the corpus and the index")
    ap.add_argument("--shots", required=True, help="directory for the PNG screenshots")
    ap.add_argument("--seeds", default=str(Path(__file__).resolve().parents[1] / "fixtures" / "seeds"))
    args = ap.parse_args()

    check_prerequisites()

    binary = str(Path(args.bin).resolve())
    workdir = Path(args.workdir).resolve()
    shots = Path(args.shots).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()

    failures = []
    server = driver = None
    profile = tempfile.mkdtemp(prefix="policies-chromium-")
    try:
        changes = prepare_corpus(workdir, Path(args.seeds))
        run_cli(binary, workdir, "index", "--quiet")
        server = Server(binary, workdir)
        base = server.url()
        print(f"server at {base}", flush=True)
        driver = start_browser(profile)
        b = Browser(driver, base, shots)

        def step(fn, *a):
            try:
                fn(*a)
                return True
            except CheckFailed as e:
                failures.append(f"{fn.__name__}: {e}")
            except Exception:
                failures.append(f"{fn.__name__}: unexpected error at {driver.current_url}\n{traceback.format_exc()}")
            try:
                b.shot(f"FAILED-{fn.__name__}")
            except Exception:
                pass
            print(f"  FAILED: {failures[-1]}", flush=True)
            return False

        # (a) → (b) → (c) each start from the page the previous one left.
        if step(check_search, b, binary, workdir) and step(check_year_facet, b, binary, workdir):
            step(check_policy_page, b)
        step(check_index_page, b, binary, workdir)
        step(check_escaping, b)
        step(check_changes, b, binary, workdir, changes)
        step(check_trend, b, binary, workdir)
    except CheckFailed as e:
        failures.append(str(e))
    except Exception:
        failures.append(f"unexpected error\n{traceback.format_exc()}")
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        if server is not None:
            server.stop()
            if server.started and server.proc.returncode not in (0, -15, None) or any("panick" in l for l in server.lines):
                failures.append(f"the server exited {server.proc.returncode}; stderr: {server.lines!r}")
        shutil.rmtree(profile, ignore_errors=True)

    if failures:
        print(f"\n{len(failures)} FAILED:", flush=True)
        for f in failures:
            print(f"- {f}", flush=True)
        return 1
    print("\nall browser checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
