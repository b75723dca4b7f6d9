#!/usr/bin/env python3
"""Peers for scripts/bench: SQLite FTS5 and tantivy-cli fed the same sections as `policies`.

Standard library only (Python 3.11). The sectioning approximates `policies`' own parser:

  * the first line is the Princeton-Leuven header; its domain is the vendor and its
    "archived on YYYY-MM-DD" gives date and year;
  * a section starts at an ATX heading (`#`..`######`) or a line that is only bold text
    (`**Heading**`); text before the first heading is a section with an empty heading;
  * bodies longer than 4000 bytes are split at paragraph (blank line) boundaries, a
    paragraph longer than that at white space.

Setext headings, HTML and inline Markdown are not handled (policies does handle them),
so section counts differ slightly; the `sections` command prints the count.

Commands:
  sections CORPUS                 count files, sections and bytes (a sanity check)
  fts-build CORPUS DB             parse CORPUS and build an FTS5 table in DB (one transaction)
  fts-query DB QUERY [--year Y] [--facet-year] [--limit N]
                                  run one FTS5 query from Python (the bench itself uses the
                                  sqlite3 CLI; this is for checking the SQL and the hit counts)
  jsonl CORPUS OUT                write the sections as JSON lines for `tantivy index`
  fts-sql QUERY [YEAR|-] [facet]  print the SQL that the bench gives the sqlite3 CLI
  report RESULTS_TSV RUNS         print the Markdown table from the bench's raw results
  tantivy-new DIR                 (re)create DIR as an empty tantivy-cli index with the schema
                                  vendor/date (raw), year (u64), heading/body (en_stem)
"""
import json
import os
import re
import shutil
import sqlite3
import sys

MAX_BODY_BYTES = 4000

HEADER_RE = re.compile(
    r"(?i)transformed from the\s+(\S+)\s+privacy policy.*?archived on\s+(\d{4})-(\d{2})-(\d{2})"
)
HEADING_RE = re.compile(r"^(?:#{1,6}\s+(.*?)\s*#*\s*|\*\*([^*]+)\*\*\s*)$")

# One schema for FTS5: vendor and heading/body searchable, date and year stored only
# (filtered with `year = ...` and grouped with GROUP BY, as columns).
FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE sections USING fts5("
    "vendor, date UNINDEXED, year UNINDEXED, heading, body, "
    "tokenize='porter unicode61')"
)

# tantivy-cli's meta.json for an empty index (what `tantivy new` writes after its prompts).
TANTIVY_SCHEMA = [
    {"name": "vendor", "type": "text",
     "options": {"indexing": {"record": "basic", "fieldnorms": False, "tokenizer": "raw"},
                 "stored": True, "fast": False}},
    {"name": "date", "type": "text",
     "options": {"indexing": {"record": "basic", "fieldnorms": False, "tokenizer": "raw"},
                 "stored": True, "fast": False}},
    {"name": "year", "type": "u64",
     "options": {"indexed": True, "fieldnorms": False, "fast": True, "stored": True}},
    {"name": "heading", "type": "text",
     "options": {"indexing": {"record": "position", "fieldnorms": True, "tokenizer": "en_stem"},
                 "stored": True, "fast": False}},
    {"name": "body", "type": "text",
     "options": {"indexing": {"record": "position", "fieldnorms": True, "tokenizer": "en_stem"},
                 "stored": True, "fast": False}},
]


def policy_files(root):
    """Every *.md file below root, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".md"):
                yield os.path.join(dirpath, name)


def split_body(body):
    """Parts of at most MAX_BODY_BYTES (UTF-8), cut at paragraph boundaries where possible."""
    if len(body.encode()) <= MAX_BODY_BYTES:
        return [body]
    parts, current, size = [], [], 0
    for para in body.split("\n\n"):
        para = para.strip()
        while len(para.encode()) > MAX_BODY_BYTES:
            if current:
                parts.append("\n\n".join(current))
                current, size = [], 0
            # cut at the last white space before the byte limit (characters ~ bytes here)
            head = para.encode()[:MAX_BODY_BYTES].decode("utf-8", "ignore")
            cut = head.rfind(" ")
            cut = cut if cut > 0 else len(head)
            parts.append(para[:cut].rstrip())
            para = para[cut:].lstrip()
        if not para:
            continue
        n = len(para.encode())
        if current and size + 2 + n > MAX_BODY_BYTES:
            parts.append("\n\n".join(current))
            current, size = [], 0
        size += n + (2 if current else 0)
        current.append(para)
    if current:
        parts.append("\n\n".join(current))
    return parts


def parse_policy(path):
    """Yields (vendor, date, year, heading, body) for each section of one policy file."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    lines = text.split("\n")
    vendor, date, year = "", "", None
    if lines and "following text is extracted" in lines[0]:
        m = HEADER_RE.search(lines[0])
        if m:
            vendor = m.group(1).rstrip(".").lower()
            date = "%s-%s-%s" % m.group(2, 3, 4)
            year = int(m.group(2))
        lines = lines[1:]
    if not vendor:  # policies falls back to the file's directory name
        vendor = os.path.basename(os.path.dirname(path))
    heading, body, emitted = "", [], 0

    def flush():
        # a heading without text of its own makes no section (policies keeps it only
        # in the heading path of the sections below it)
        text = "\n".join(body).strip()
        if text:
            for part in split_body(text):
                yield vendor, date, year, heading, part

    for line in lines:
        m = HEADING_RE.match(line) if line[:1] in ("#", "*") else None
        if m:
            for row in flush():
                emitted += 1
                yield row
            heading = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
            body = []
        else:
            body.append(line)
    for row in flush():
        emitted += 1
        yield row
    if not emitted:  # an empty policy still gets one record, as in policies
        yield vendor, date, year, heading, ""


def sections(root):
    for path in policy_files(root):
        yield from parse_policy(path)


def cmd_sections(root):
    files = nsec = nbytes = 0
    for path in policy_files(root):
        files += 1
        nbytes += os.path.getsize(path)
        nsec += sum(1 for _ in parse_policy(path))
    print(json.dumps({"files": files, "sections": nsec, "bytes": nbytes}))


def cmd_fts_build(root, db):
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache
    con.execute(FTS_SCHEMA)
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO sections(vendor, date, year, heading, body) VALUES (?, ?, ?, ?, ?)",
        sections(root),
    )
    con.execute("COMMIT")
    # merge the b-trees into one, as a read-mostly index would be kept (part of the build time)
    con.execute("INSERT INTO sections(sections) VALUES('optimize')")
    n = con.execute("SELECT count(*) FROM sections").fetchone()[0]
    con.close()
    print("fts5: %d sections in %s" % (n, db), file=sys.stderr)


def fts_sql(query, year=None, facet_year=False, limit=10):
    """The SQL the bench runs through the sqlite3 CLI; `query` is an FTS5 MATCH string."""
    q = query.replace("'", "''")
    if facet_year:
        return ("SELECT year, count(*) FROM sections WHERE sections MATCH '%s' "
                "GROUP BY year ORDER BY year;" % q)
    where = "sections MATCH '%s'" % q
    if year is not None:
        where += " AND year = %d" % int(year)
    return ("SELECT vendor, date, heading, "
            "snippet(sections, 4, '[', ']', '…', 24) AS snip, bm25(sections) AS score "
            "FROM sections WHERE %s ORDER BY score LIMIT %d;" % (where, limit))


def cmd_fts_query(db, query, year, facet_year, limit):
    con = sqlite3.connect(db)
    total = con.execute(
        "SELECT count(*) FROM sections WHERE sections MATCH ?"
        + (" AND year = %d" % int(year) if year is not None else ""), (query,)
    ).fetchone()[0]
    print("matching sections: %d" % total)
    for row in con.execute(fts_sql(query, year, facet_year, limit)):
        print(" | ".join(str(x) for x in row))


def cmd_jsonl(root, out):
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for vendor, date, year, heading, body in sections(root):
            doc = {"vendor": vendor, "date": date, "heading": heading, "body": body}
            if year is not None:
                doc["year"] = year
            f.write(json.dumps(doc, ensure_ascii=False))
            f.write("\n")
            n += 1
    print("jsonl: %d sections in %s" % (n, out), file=sys.stderr)


def cmd_tantivy_new(directory):
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    meta = {"index_settings": {"docstore_compression": "lz4", "docstore_blocksize": 16384},
            "segments": [], "schema": TANTIVY_SCHEMA, "opstamp": 0}
    with open(os.path.join(directory, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


QUERY_ROWS = [
    ("q_phrase_common", '`"third parties"` (common phrase)'),
    ("q_phrase_rare", '`"safe harbor framework"` (rare phrase)'),
    ("q_phrase", '`"credit card"`'),
    ("q_boolean", "`cookies AND advertising`"),
    ("q_year", '`"credit card"` with year 2015'),
    ("q_facet", '`"credit card"` with facet year'),
]
TOOLS = [("policies", "policies"), ("ripgrep", "ripgrep"), ("fts5", "SQLite FTS5"),
         ("tantivy-cli", "tantivy-cli")]


def fmt_time(s):
    if s >= 10:
        return "%.1f s" % s
    if s >= 1:
        return "%.2f s" % s
    if s >= 0.01:
        return "%.0f ms" % (s * 1000)
    return "%.1f ms" % (s * 1000)


def fmt_bytes(b):
    return "%.1f MB" % (b / 1e6) if b < 1e10 else "%.1f GB" % (b / 1e9)


def cmd_report(path, runs):
    """One Markdown table: rows are corpus x measure, columns the tools; peers' cells carry
    their ratio to policies (peer / policies) in parentheses."""
    data, corpora = {}, []
    with open(path) as f:
        for line in f:
            corpus, measure, tool, value = line.rstrip("\n").split("\t")
            if corpus not in corpora:
                corpora.append(corpus)
            try:
                data[corpus, measure, tool] = float(value)
            except ValueError:
                pass

    def cells(corpus, measure, fmt):
        base = data.get((corpus, measure, "policies"))
        out = []
        for tool, _ in TOOLS:
            v = data.get((corpus, measure, tool))
            if v is None:
                out.append("—")
            elif tool == "policies" or not base:
                out.append(fmt(v))
            else:
                out.append("%s (%.2f×)" % (fmt(v), v / base))
        return out

    rows = []
    for c in corpora:
        files = data.get((c, "files", "-"), 0)
        cbytes = data.get((c, "corpus_bytes", "-"), 0)
        name = "%s (%d files, %s)" % (c, files, fmt_bytes(cbytes))
        rows.append([name, "index build, median of %s" % (1 if "XL" in c else runs)]
                    + cells(c, "build", fmt_time))
        if any((c, "cpu", t) in data for t, _ in TOOLS):
            rows.append([c, "build CPU (user + sys, mean)"] + cells(c, "cpu", fmt_time))
        rows.append([c, "peak RSS of the build"] + cells(c, "rss", lambda kb: fmt_bytes(kb * 1024)))
        rows.append([c, "index size (% of corpus bytes)"]
                    + cells(c, "index_bytes",
                            lambda b: "%s, %.0f%%" % (fmt_bytes(b), 100 * b / cbytes if cbytes else 0)))
        if (c, "incremental", "policies") in data:
            rows.append([c, "incremental run after 1,000 new commits (peak RSS %s)" % fmt_bytes(
                data.get((c, "incremental_rss", "policies"), 0) * 1024)] + cells(c, "incremental", fmt_time))
        for measure, label in QUERY_ROWS:
            if any((c, measure, t) in data for t, _ in TOOLS):
                rows.append([c, label] + cells(c, measure, fmt_time))
    for small, big in zip(corpora, corpora[1:]):
        row = ["%s÷%s" % (big, small), "build time scaling (bytes ×%.1f)" % (
            data.get((big, "corpus_bytes", "-"), 0) / max(1, data.get((small, "corpus_bytes", "-"), 1)))]
        for tool, _ in TOOLS:
            a, b = data.get((small, "build", tool)), data.get((big, "build", tool))
            row.append("%.2f×" % (b / a) if a and b else "—")
        rows.append(row)

    head = ["corpus", "measure"] + [t[1] for t in TOOLS]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 2 + ["---:"] * len(TOOLS)) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    print("Times are medians of whole processes (hyperfine; queries with 3 warm-up runs, "
          "page cache warm). In parentheses: peer / policies (above 1: policies is faster "
          "or smaller).")
    for c in corpora:
        secs = ", ".join("%s %d" % (name, data[c, "sections", t])
                         for t, name in TOOLS if (c, "sections", t) in data)
        hits = ", ".join("%s %d" % (name, data[c, "hits_phrase_rare", t])
                         for t, name in TOOLS if (c, "hits_phrase_rare", t) in data)
        extra = []
        if secs:
            extra.append("sections indexed: " + secs)
        if hits:
            extra.append('sections matching "safe harbor framework": ' + hits)
        if (c, "jsonl_export", "tantivy-cli") in data:
            extra.append("tantivy-cli's build excludes writing its JSON lines input "
                         "(%s, %s, by Python)" % (fmt_time(data[c, "jsonl_export", "tantivy-cli"]),
                                                  fmt_bytes(data.get((c, "jsonl_bytes", "tantivy-cli"), 0))))
        if extra:
            print("- %s: %s." % (c, "; ".join(extra)))


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, args = argv[0], argv[1:]
    if cmd == "sections" and len(args) == 1:
        cmd_sections(args[0])
    elif cmd == "fts-build" and len(args) == 2:
        cmd_fts_build(*args)
    elif cmd == "fts-query" and len(args) >= 2:
        db, query, rest = args[0], args[1], args[2:]
        year, facet, limit = None, False, 10
        while rest:
            opt = rest.pop(0)
            if opt == "--year":
                year = int(rest.pop(0))
            elif opt == "--facet-year":
                facet = True
            elif opt == "--limit":
                limit = int(rest.pop(0))
            else:
                sys.exit("bench_peers.py: unknown option %s" % opt)
        cmd_fts_query(db, query, year, facet, limit)
    elif cmd == "fts-sql" and len(args) >= 1:
        # fts-sql QUERY [YEAR|-] [facet]: print the SQL for the sqlite3 CLI
        year = args[1] if len(args) > 1 and args[1] != "-" else None
        print(fts_sql(args[0], year, len(args) > 2 and args[2] == "facet"))
    elif cmd == "report" and len(args) == 2:
        cmd_report(*args)
    elif cmd == "jsonl" and len(args) == 2:
        cmd_jsonl(*args)
    elif cmd == "tantivy-new" and len(args) == 1:
        cmd_tantivy_new(args[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
