#!/usr/bin/env bash
# The report renderers (harness/report.c), through the driver
# tests/report/render.c, on the native results in tests/report/*.json:
# every format well-formed and valid against ../shared/schemas, the numbers
# right, hidden tests hidden, hostile text (markup, control characters,
# backtick runs, non-ASCII) harmless, and writing atomic with errors
# reported. Writes only into a mktemp -d directory; runs as any user.
# check: parallel
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
fix=$here/tests/report
schemas=$here/../shared/schemas
py=/usr/bin/python3
n=0 passed=0 failed=0 skipped=0

ok() { n=$((n + 1)) passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | head -40 | sed 's/^/#   /'
}
skip() { n=$((n + 1)) skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds; its output explains a failure
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
finish() {
	echo "1..$n"
	echo "$((passed - skipped)) passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
}
skip_all() {
	echo "1..0 # SKIP $1"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

[ -f "$here/harness/report.c" ] || skip_all "no harness/report.c in $here (a copy of tests/ alone)"
command -v cc >/dev/null || skip_all "no C compiler (cc)"
pkg-config --exists jansson libxml-2.0 libcmark-gfm 2>/dev/null ||
	skip_all "pkg-config finds no jansson, libxml-2.0 or libcmark-gfm (libjansson-dev, libxml2-dev, libcmark-gfm-dev)"

work=$(mktemp -d "${TMPDIR:-/tmp}/report-t.XXXXXX") || { echo "not ok 1 - mktemp -d"; exit 1; }
trap 'rm -rf "$work"' EXIT
fixtures=$(cd "$fix" && ls *.json)
formats="text json gradescope junit markdown html"
have_py=0
[ -x "$py" ] && have_py=1
have_jsonschema=0
[ $have_py = 1 ] && "$py" -c 'import jsonschema' 2>/dev/null && have_jsonschema=1
have_xmllint=0
command -v xmllint >/dev/null && have_xmllint=1
have_jq=0
command -v jq >/dev/null && have_jq=1
no_schemas="no $schemas (the published schemas beside the repository)"

# what put_clean() in report.c does, for the checks below to compare with
PYLIB='
import json, os, re, sys
OUT = os.environ["REPORT_OUT"]
def clean(s, keep_cr=False, nl=None):
    out = []
    for ch in s:
        c = ord(ch)
        if ch == "\n": out.append("\n" if nl is None else nl)
        elif ch == "\t" or (ch == "\r" and keep_cr): out.append(ch)
        elif c < 0x20 or c == 0x7f: out.append("\\x%02x" % c)
        elif 0x80 <= c < 0xa0 or 0x202a <= c <= 0x202e or 0x2066 <= c <= 0x2069: out.append("\\u%04x" % c)
        elif c in (0xfffe, 0xffff): out.append("\ufffd")
        else: out.append(ch)
    return "".join(out)
def load(path):
    with open(path, encoding="utf-8") as f: return json.load(f)
def failed(t): return t.get("status") != "passed"
def hidden(t): return t.get("visibility") == "hidden"
def plain(native):
    # a result with no cause to group: its feedback reaches the student unchanged
    for t in native.get("tests", []):
        fb = t.get("feedback", "")
        if t.get("cause") or t.get("not_checked") or re.search(r"(^|\n)Why: |did not build|\.scn:|\(pid \d", fb):
            return False
    return True
def fmt(v):
    s = "%.3f" % v
    s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s
errors = []
def expect(cond, what):
    if not cond: errors.append(what)
def done():
    for e in errors[:20]: print(e)
    sys.exit(1 if errors else 0)
'
pycheck() {	# pycheck DESCRIPTION PYTHON-CODE ARG...: the code ends with done()
	local desc=$1 code=$2
	shift 2
	if [ $have_py = 0 ]; then
		skip "$desc" "no $py"
		return
	fi
	check "$desc" "$py" -c "$PYLIB$code" "$@"
}

# ---- the driver, and report.c under the project's warnings ----
build_log=$(cd "$here" && cc -std=gnu11 -Wall -Wextra -I harness tests/report/render.c \
	harness/report.c harness/strbuf.c harness/html.c \
	$(pkg-config --cflags --libs jansson libxml-2.0 libcmark-gfm) -o "$work/render" 2>&1)
if [ $? != 0 ]; then
	not_ok "the driver and report.c compile" "$build_log"
	finish
fi
if [ -n "$build_log" ]; then not_ok "the driver and report.c compile without warnings" "$build_log"
else ok "the driver and report.c compile without warnings"; fi
check "report.c is warning-free under -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wformat=2" \
	cc -std=gnu11 -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wformat=2 \
	-Wno-format-nonliteral -O2 -D_FORTIFY_SOURCE=2 -Werror -c "$here/harness/report.c" \
	-o "$work/report.o" $(pkg-config --cflags jansson libxml-2.0)
check "html.c is warning-free under the same flags" \
	cc -std=gnu11 -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wformat=2 \
	-Wno-format-nonliteral -O2 -D_FORTIFY_SOURCE=2 -Werror -c "$here/harness/html.c" \
	-o "$work/html.o" $(pkg-config --cflags libcmark-gfm)

render() { timeout 10 "$work/render" "$@"; }

# ---- every fixture in every format, once; the checks read these files ----
# out/NAME.FORMAT (no options: a NULL options pointer), .hidden (--hidden),
# and for text .verbose (--verbose), .color (--color --verbose --hidden) and
# .debug (--debug --hidden)
mkdir -p "$work/out"
for fmt in $formats; do
	errs=
	for f in $fixtures; do
		b=$work/out/${f%.json}.$fmt
		render "$fmt" "$fix/$f" >"$b" 2>"$b.err" || errs="$errs$f: exit $? $(cat "$b.err")"$'\n'
		render "$fmt" --hidden "$fix/$f" >"$b.hidden" 2>"$b.err" ||
			errs="$errs$f --hidden: exit $? $(cat "$b.err")"$'\n'
		if [ "$fmt" = text ]; then
			render text --verbose "$fix/$f" >"$b.verbose" 2>"$b.err" ||
				errs="$errs$f --verbose: exit $?"$'\n'
			render text --color --verbose --hidden "$fix/$f" >"$b.color" 2>"$b.err" ||
				errs="$errs$f --color: exit $?"$'\n'
			render text --debug --hidden "$fix/$f" >"$b.debug" 2>"$b.err" ||
				errs="$errs$f --debug: exit $?"$'\n'
		fi
	done
	if [ -z "$errs" ]; then ok "$fmt: every fixture renders (exit 0, no descriptor left open)"
	else not_ok "$fmt: every fixture renders (exit 0, no descriptor left open)" "$errs"; fi
done
O=$work/out
export REPORT_OUT=$O

# ---- JSON ----
if [ $have_jq = 1 ]; then
	errs=
	for f in $fixtures; do
		cmp -s <(jq -S . "$fix/$f") <(jq -S . "$O/${f%.json}.json") || errs="$errs $f"
		cmp -s "$O/${f%.json}.json" "$O/${f%.json}.json.hidden" || errs="$errs $f(--hidden)"
	done
	if [ -z "$errs" ]; then ok "json: round-trips equal to the native result (jq -S), --hidden or not"
	else not_ok "json: round-trips equal to the native result (jq -S), --hidden or not" "differ:$errs"; fi
else
	skip "json: round-trips equal to the native result" "no jq"
fi
pycheck "json: indented by 2, one final newline" '
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    expect(text.endswith("}\n") and not text.endswith("\n\n"), path + ": not one final newline")
    expect(text.split("\n")[1].startswith("  \"") and not text.split("\n")[1].startswith("   "), path + ": not indented by 2")
done()' "$O"/*.json

# ---- Gradescope ----
if [ $have_jsonschema = 0 ]; then
	skip "gradescope: valid against gradescope-results.schema.json (draft 2020-12)" "no python3-jsonschema for $py"
elif [ ! -f "$schemas/gradescope-results.schema.json" ]; then
	skip "gradescope: valid against gradescope-results.schema.json (draft 2020-12)" "$no_schemas"
else
	pycheck "gradescope: valid against gradescope-results.schema.json (draft 2020-12)" '
import jsonschema
schema = load(sys.argv[1])
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    for e in v.iter_errors(load(path)):
        expect(False, "%s: %s at %s" % (path, e.message, list(e.absolute_path)))
done()' "$schemas/gradescope-results.schema.json" "$O"/*.gradescope "$O"/*.gradescope.hidden
fi
pycheck "gradescope: scores equal the native ones and the tests sum to the score" '
for name in sys.argv[2:]:
    native = load(sys.argv[1] + "/" + name + ".json")
    gs = load(OUT + "/" + name + ".gradescope")
    nt = native.get("tests", [])
    expect(len(gs["tests"]) == len(nt), name + ": not one Gradescope test per test")
    expect(abs(sum(t["score"] for t in gs["tests"]) - gs["score"]) < 1e-9, name + ": tests do not sum to score")
    expect(gs["score"] == native.get("score", sum(t.get("score", 0) for t in nt)), name + ": score differs")
    for a, b in zip(gs["tests"], nt):
        expect((a["score"], a["max_score"], a["name"]) == (b["score"], b["max_score"], b["name"]),
               name + ": " + b["name"] + ": score, max_score or name differs")
        expect(a["status"] == ("failed" if failed(b) else "passed"), name + ": status differs")
        expect(a.get("tags") == b.get("tags"), name + ": tags differ")
    expect([t.get("number") for t in gs["tests"]] == [str(i + 1) for i in range(len(nt))], name + ": tests not numbered 1..n")
    expect(gs["stdout_visibility"] == "hidden", name + ": stdout_visibility is not hidden")
    expect(gs.get("output_format") == "text" and gs.get("test_output_format") == "text", name + ": no output_format")
done()' "$fix" ${fixtures//.json/}
pycheck "gradescope: hidden tests say \"hidden test\" and wait for publishing; --hidden shows feedback" '
d = sys.argv[1]
native = load(d + "/hidden.json")
for suffix, show in (("", False), (".hidden", True)):
    gs = load(OUT + "/hidden.gradescope" + suffix)
    for a, b in zip(gs["tests"], native["tests"]):
        if hidden(b):
            expect(a["visibility"] == "after_published", b["name"] + ": visibility " + a["visibility"])
            expect(a["output"] == (b["feedback"] if show else "hidden test"), b["name"] + suffix + ": output " + repr(a["output"]))
        else:
            expect(a["visibility"] == "visible" and a["output"] == b["feedback"], b["name"] + ": not visible with its feedback")
    expect(("SECRET" in json.dumps(gs["output"])) is False, "the summary names a hidden test")
plain = open(OUT + "/hidden.gradescope").read()
expect("SECRET-FEEDBACK" not in plain, "hidden feedback leaks without --hidden")
done()' "$fix"
pycheck "gradescope: hostile feedback kept exactly; the summary has build and violations, not isolation or a score" '
d = sys.argv[1]
native = load(d + "/hostile.json")
gs = load(OUT + "/hostile.gradescope")
expect(gs["tests"][0]["output"] == native["tests"][0]["feedback"], "feedback changed")
expect(gs["tests"][0]["name"] == native["tests"][0]["name"], "name changed")
s = gs["output"]
expect("build: ok" in s, "no build status in " + repr(s))
expect("forbidden system call" in s and "fifo<recv>" in s, "no violation in " + repr(s))
for name in sys.argv[2:]:
    o = load(OUT + "/" + name + ".gradescope")["output"]
    expect("isolation" not in o and "score" not in o, name + ": isolation or a score in " + repr(o))
b = load(OUT + "/build-failed.gradescope")["output"]
expect("build failed" in b and "error: expected" in b, "no compiler output in " + repr(b))
done()' "$fix" ${fixtures//.json/}

# ---- JUnit ----
if [ $have_xmllint = 1 ]; then
	errs=
	for x in "$O"/*.junit "$O"/*.junit.hidden; do
		e=$(xmllint --noout "$x" 2>&1) || errs="$errs$e"$'\n'
	done
	if [ -z "$errs" ]; then ok "junit: every report is well-formed XML (xmllint)"
	else not_ok "junit: every report is well-formed XML (xmllint)" "$errs"; fi
	if [ -f "$schemas/junit-10.xsd" ]; then
		errs=
		for x in "$O"/*.junit "$O"/*.junit.hidden; do
			e=$(xmllint --noout --schema "$schemas/junit-10.xsd" "$x" 2>&1) || errs="$errs$e"$'\n'
		done
		if [ -z "$errs" ]; then ok "junit: every report is valid against junit-10.xsd"
		else not_ok "junit: every report is valid against junit-10.xsd" "$errs"; fi
	else
		skip "junit: every report is valid against junit-10.xsd" "$no_schemas"
	fi
else
	skip "junit: every report is well-formed XML" "no xmllint (libxml2-utils)"
	skip "junit: every report is valid against junit-10.xsd" "no xmllint (libxml2-utils)"
fi
if LC_ALL=C grep -lP '[\x00-\x08\x0b\x0c\x0e-\x1f]' "$O"/*.junit "$O"/*.junit.hidden >"$work/ctl"; then
	not_ok "junit: no control character XML 1.0 forbids, though the feedback has \\x01 and ESC" "$(cat "$work/ctl")"
else
	ok "junit: no control character XML 1.0 forbids, though the feedback has \\x01 and ESC"
fi
pycheck "junit: tests, failures, errors, points and messages match the native results" '
import xml.etree.ElementTree as ET
def first_line(s):
    s = s.lstrip("\n")
    return s.split("\n")[0]
for name in sys.argv[2:]:
    native = load(sys.argv[1] + "/" + name + ".json")
    for suffix in ("", ".hidden"):
        where = name + suffix
        suite = ET.parse(OUT + "/" + name + ".junit" + suffix).getroot()
        nt = native.get("tests", [])
        build_failed = native.get("build", {}).get("status", "ok") != "ok"
        synthetic = 1 if build_failed and not nt else 0
        fails = [t for t in nt if failed(t) and not t.get("harness_error")]
        errs = [t for t in nt if failed(t) and t.get("harness_error")]
        expect(suite.tag == "testsuite" and suite.get("name") == "ipcgrade." + native.get("assignment", ""), where + ": suite name")
        expect(suite.get("tests") == str(len(nt) + synthetic), where + ": tests=" + str(suite.get("tests")))
        expect(suite.get("failures") == str(len(fails) + synthetic), where + ": failures=" + str(suite.get("failures")))
        expect(suite.get("errors") == str(len(errs)), where + ": errors=" + str(suite.get("errors")))
        expect(len(suite.findall("testcase/failure")) == len(fails) + synthetic, where + ": <failure> count")
        expect(len(suite.findall("testcase/error")) == len(errs), where + ": <error> count")
        props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        expect(props.get("score") == fmt(native.get("score", sum(t.get("score", 0) for t in nt))), where + ": score property")
        expect(props.get("max_score") == fmt(native.get("max_score", sum(t.get("max_score", 0) for t in nt))), where + ": max_score property")
        for k, v in native.get("isolation", {}).items():
            if isinstance(v, bool):
                expect(props.get("isolation." + k) == ("true" if v else "false"), where + ": isolation." + k)
        cases = suite.findall("testcase")
        for t, case in zip(nt, cases):
            tname = clean(t["name"], keep_cr=True)
            expect(case.get("name") == tname and case.get("classname") == native["assignment"], where + ": testcase " + repr(tname))
            expect(props.get("points:" + tname) == fmt(t["score"]) + "/" + fmt(t["max_score"]), where + ": points:" + tname)
            verdict = case.find("failure") if case.find("failure") is not None else case.find("error")
            if not failed(t):
                expect(verdict is None, where + ": passed test has a verdict")
                continue
            fb = "hidden test" if hidden(t) and not suffix else t.get("feedback", "")
            body = clean(fb, keep_cr=True)
            expect(verdict is not None and (verdict.text or "") == body, where + ": " + repr(tname) + " body " + repr(verdict.text if verdict is not None else None))
            expect(verdict is not None and verdict.get("message") == (first_line(body) or "failed"), where + ": " + repr(tname) + " message " + repr(verdict.get("message") if verdict is not None else None))
        se = suite.find("system-err")
        if build_failed:
            expect(se is not None and se.text == clean(native["build"]["output"], keep_cr=True), where + ": no compiler output in <system-err>")
        else:
            expect(se is None, where + ": <system-err> without a build failure")
done()' "$fix" ${fixtures//.json/}
pycheck "junit: hidden feedback only with --hidden; a failed build with no tests fails a test \"build\"" '
d = sys.argv[1]
plain, shown = open(OUT + "/hidden.junit").read(), open(OUT + "/hidden.junit.hidden").read()
expect("SECRET-FEEDBACK" not in plain, "hidden feedback without --hidden")
expect("SECRET-FEEDBACK" in shown, "no hidden feedback with --hidden")
expect("SECRET-NAME-FAILED" in plain, "the hidden test is missing, but JUnit keeps every test")
nt = open(OUT + "/no-tests.junit").read()
expect("name=\"build\"" in nt and "<failure message=\"the build failed\">" in nt, "no failing build testcase")
done()' "$fix"

# ---- Markdown ----
PYMD='
def unescape(cell):
    cell = cell.replace("<br>", "\n")
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", cell)
def table(md):
    lines = md.split("\n")
    if "| # | test | tags | points | status |" not in lines: return []
    i = lines.index("| # | test | tags | points | status |")
    expect(lines[i + 1] == "| ---: | --- | --- | ---: | --- |", "no delimiter row")
    rows = []
    for line in lines[i + 2:]:
        if not line.startswith("|"): break
        rows.append(line)
    return rows
def cells(row):
    parts = re.split(r"(?<!\\)\|", row)
    expect(len(parts) == 7 and parts[0] == "" and parts[-1] == "", "not 5 cells: " + repr(row))
    return [p.strip() for p in parts[1:-1]]
def fences(md):
    lines, blocks, i = md.split("\n"), [], 0
    while i < len(lines):
        m = re.match(r"^(`{3,})[^`]*$", lines[i])
        if m:
            width, body, i = len(m.group(1)), [], i + 1
            while i < len(lines) and not re.match(r"^ {0,3}`{%d,} *$" % width, lines[i]):
                body.append(lines[i]); i += 1
            expect(i < len(lines), "a fence is never closed")
            blocks.append("\n".join(body))
        i += 1
    return blocks
def prose(md):
    # the lines outside fenced blocks, with whether each is in a table
    out, lines, i = [], md.split("\n"), 0
    while i < len(lines):
        m = re.match(r"^(`{3,})[^`]*$", lines[i])
        if m:
            i += 1
            while i < len(lines) and not re.match(r"^ {0,3}`{%d,} *$" % len(m.group(1)), lines[i]): i += 1
        else:
            out.append(lines[i])
        i += 1
    return out
def block(s):
    s = clean(s)
    return s[:-1] if s.endswith("\n") else s
'
pycheck "markdown: one table row per visible test (per test with --hidden): number, name, tags, points, status" "$PYMD"'
for name in sys.argv[2:]:
    native = load(sys.argv[1] + "/" + name + ".json")
    for suffix in ("", ".hidden"):
        md = open(OUT + "/" + name + ".markdown" + suffix, encoding="utf-8").read()
        want = [(i + 1, t) for i, t in enumerate(native.get("tests", [])) if suffix or not hidden(t)]
        rows = table(md)
        expect(len(rows) == len(want), name + suffix + ": %d rows for %d tests" % (len(rows), len(want)))
        for row, (number, t) in zip(rows, want):
            c = cells(row)
            if len(c) != 5: continue
            label = clean(t["name"]) + (" (hidden)" if hidden(t) else "")
            expect(c[0] == str(number), name + ": number " + c[0])
            expect(unescape(c[1]) == label, name + ": cell " + repr(c[1]) + " is not " + repr(label))
            expect(unescape(c[2]) == ", ".join(clean(x) for x in t.get("tags", [])), name + ": tags " + repr(c[2]))
            expect(c[3] == fmt(t["score"]) + "/" + fmt(t["max_score"]), name + ": points " + c[3])
            expect(c[4] == ("✅ passed" if not failed(t) else "⚠️ grader error" if t.get("harness_error") else "❌ failed"), name + ": status " + c[4])
done()' "$fix" ${fixtures//.json/}
pycheck "markdown: each failure folded in <details>, its feedback in a fence no backtick run inside can close" "$PYMD"'
for name in sys.argv[2:]:
    native = load(sys.argv[1] + "/" + name + ".json")
    for suffix in ("", ".hidden"):
        md = open(OUT + "/" + name + ".markdown" + suffix, encoding="utf-8").read()
        shown = [(i + 1, t) for i, t in enumerate(native.get("tests", [])) if failed(t) and (suffix or not hidden(t))]
        heads = re.findall(r"<details><summary>(\d+)\. ", md)
        expect(heads == [str(i) for i, t in shown], name + suffix + ": <details> for tests " + repr(heads))
        expect(md.count("<details>") == md.count("</details>"), name + suffix + ": unbalanced <details>")
    if not plain(native): continue
    for suffix in ("", ".hidden"):
        md = open(OUT + "/" + name + ".markdown" + suffix, encoding="utf-8").read()
        build = native.get("build", {})
        want = []
        if build.get("output") and (build.get("status", "ok") != "ok" or build.get("warnings")):
            want.append(block(build["output"]))
        want += [block(t["feedback"]) for t in native.get("tests", [])
                 if failed(t) and t.get("feedback") and (suffix or not hidden(t))]
        got = fences(md)
        expect(got == want, name + suffix + ": fenced blocks " + repr(got)[:300] + " are not " + repr(want)[:300])
        expect(("### Failures" in md) == any(failed(t) and (suffix or not hidden(t)) for t in native.get("tests", [])),
               name + suffix + ": Failures section")
done()' "$fix" ${fixtures//.json/}
pycheck "markdown: heading with assignment, submission, score; violations; isolation only when weaker; no secrets" "$PYMD"'
d = sys.argv[1]
md = open(OUT + "/fail.markdown", encoding="utf-8").read()
expect(md.startswith("## ❌ fifo: bob — 7.5/10\n"), "heading " + repr(md.split("\n")[0]))
expect("### Forbidden system calls\n\n- **fifo\\_recv** called socket(AF\\_INET, SOCK\\_STREAM, 0)" in md, "no violation")
expect("Isolation" not in md and "isolat" not in md, "isolation is news to a student only when weaker")
expect("cgroup v2 is not delegated here" not in md, "an isolation note for a student")
h = open(OUT + "/hostile.markdown", encoding="utf-8").read()
head = h.split("\n")[0]
expect(unescape(head) == "## ❌ fifo: zoë <z> & `co` | x — 1/3", "hostile heading " + repr(head))
expect("\x01" not in h and "\x1b" not in h and "\x00" not in h, "a raw control character")
g = open(OUT + "/grader-error.markdown", encoding="utf-8").read()
expect(g.split("\n")[2:5] == ["_Note: this run was less isolated than a grading run (no user namespace, no network namespace), so",
                              "its result may differ from your instructor\x27s._", ""], "no calm line for weak isolation: " + repr(g.split("\n")[2:5]))
expect("WARNING" not in g and "TRUST" not in g, "a loud isolation warning for a student")
p = open(OUT + "/hidden.markdown", encoding="utf-8").read()
expect("SECRET" not in p, "a hidden test shows without --hidden")
expect("_2 hidden tests not shown; the score includes them._" in p, "no hidden count")
expect("SECRET-FEEDBACK" in open(OUT + "/hidden.markdown.hidden", encoding="utf-8").read(), "--hidden hides")
done()' "$fix"

# ---- TEXT ----
pycheck "text: PASS/FAIL line per shown test, feedback indented, score line last" '
for name in sys.argv[2:]:
    native = load(sys.argv[1] + "/" + name + ".json")
    nt = native.get("tests", [])
    for suffix in ("", ".hidden"):
        lines = open(OUT + "/" + name + ".text" + suffix, encoding="utf-8").read().split("\n")
        want = [(i + 1, t) for i, t in enumerate(nt) if suffix or not hidden(t)]
        verdicts = [l for l in lines if re.match(r"^(PASS|FAIL)  ", l)]
        expect(len(verdicts) == len(want), name + suffix + ": %d PASS/FAIL lines for %d tests" % (len(verdicts), len(want)))
        for line, (number, t) in zip(verdicts, want):
            m = re.match(r"^(PASS|FAIL)  +(\S+)  +(\d+)\. (.*)$", line)
            expect(m is not None, "bad line " + repr(line))
            if not m: continue
            expect(m.group(1) == ("FAIL" if failed(t) else "PASS"), name + ": " + line)
            expect(m.group(2) == fmt(t["score"]) + "/" + fmt(t["max_score"]), name + ": points in " + line)
            expect(m.group(3) == str(number), name + ": number in " + line)
            expect(m.group(4).startswith(clean(t["name"], nl=" ")), name + ": name in " + line)
            if failed(t) and plain(native):
                i = lines.index(line)
                for k, fl in enumerate(l for l in clean(t["feedback"]).split("\n")):
                    got = lines[i + 1 + k + (1 if t.get("harness_error") else 0)]
                    expect(got == ("    " + fl if fl else ""), name + ": feedback line " + repr(got))
        score = fmt(native.get("score", sum(t.get("score", 0) for t in nt)))
        mx = fmt(native.get("max_score", sum(t.get("max_score", 0) for t in nt)))
        expect(lines[-2:] == ["score: %s/%s" % (score, mx), ""], name + suffix + ": last line " + repr(lines[-2:]))
done()' "$fix" ${fixtures//.json/}
check "text: fail.json says exactly \"score: 7.5/10\"" \
	grep -qx 'score: 7.5/10' "$O/fail.text"
check "text: the FAIL lines of fail.json, points right-aligned" \
	diff <(grep '^FAIL' "$O/fail.text") - <<'EOF'
FAIL    0/2  2. the reader blocks in read() and burns no CPU
FAIL  1.5/2  5. no descriptor is left open
EOF
check "text: the isolation line of a fully isolated run" \
	grep -qx 'isolation: user namespace, seccomp, cgroup v1' "$O/fail.text"
check "text: a calm, visible line when userns is off, and when isolation is not reported" bash -c "
	grep -qx 'isolation: weaker than a box: NO USER NAMESPACE, seccomp, no network namespace, cgroup v2; graded the same way, but the programs were less contained' \
		'$O/grader-error.text' &&
	grep -qx 'isolation: weaker than a box: NOT REPORTED; graded the same way, but the programs were less contained' '$O/no-tests.text'"
check "text: a build failure shows the compiler's output, indented" \
	diff <(sed -n '/^build failed/,/^$/p' "$O/build-failed.text") - <<'EOF'
build failed; the compiler said:
    pipecat.c: In function 'main':
    pipecat.c:12:5: error: expected ';' before 'return'
       12 |     return 0
          |     ^~~~~~
    pipecat.c:3:10: fatal error: <unistd.hh>: No such file or directory

EOF
check "text: violations named with the program" \
	grep -qx 'forbidden system call: fifo_recv called socket(AF_INET, SOCK_STREAM, 0), which this lab does not allow' \
	"$O/fail.text"
check "text: hidden tests left out and counted, shown with --hidden" bash -c "
	! grep -q SECRET '$O/hidden.text' &&
	grep -qx '(2 hidden tests not shown; the score includes them)' '$O/hidden.text' &&
	grep -qx 'FAIL  0/1  4. SECRET-NAME-FAILED  (hidden)' '$O/hidden.text.hidden' &&
	grep -qx '    SECRET-FEEDBACK: a key of 0x7fffffff is refused' '$O/hidden.text.hidden'"
check "text: --verbose adds the timeline of failed tests only" bash -c "
	! grep -q timeline: '$O/fail.text' &&
	diff <(sed -n '/timeline:/,/^[^ ]/p' '$O/fail.text.verbose' | head -5) - <<'EOF'
    timeline:
           0 ms  started fifo_recv (student) pid 2
          12 ms  started fifo_send (reference) pid 3
        2012 ms  fifo_recv: state R, utime 1.9 s
                   still not blocked in read
EOF"
if LC_ALL=C grep -lP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$O"/*.text "$O"/*.text.hidden "$O"/*.text.verbose >"$work/ctl"; then
	not_ok "text: no raw control character reaches the terminal without --color" "$(cat "$work/ctl")"
else
	ok "text: no raw control character reaches the terminal without --color"
fi
check "text: a student's escape sequences are shown, not obeyed, even with --color" bash -c "
	grep -qF 'ESC \\x1b[31mred\\x1b[0m, DEL \\x7f, CR\\x0d' '$O/hostile.text.color' &&
	grep -qF 'got \\x01\\x1b[2J' '$O/hostile.text.color' &&
	! LC_ALL=C grep -qP '\\x1b\\[2J|\\x1b\\[31mred' '$O/hostile.text.color'"
check "text: --color paints PASS green and FAIL red" bash -c "
	LC_ALL=C grep -qP '^\\x1b\\[32mPASS\\x1b\\[0m +2/2  ' '$O/fail.text.color' &&
	LC_ALL=C grep -qP '^\\x1b\\[31mFAIL\\x1b\\[0m    0/2  ' '$O/fail.text.color'"
check "text: non-ASCII text comes through unchanged" \
	grep -qF 'non-ASCII: Grüße, 日本語, 🦀, C1 \u0085, noncharacter �, RLO \u202e evil' "$O/hostile.text"

# ---- the student's view: each cause once, no grader internals ----
# student formats: what a student reads of NAME, all of it (Gradescope: every output)
PYSTUDENT='
def student(name, suffix=""):
    out = {}
    out["text"] = open(OUT + "/" + name + ".text" + suffix, encoding="utf-8").read()
    out["markdown"] = open(OUT + "/" + name + ".markdown" + suffix, encoding="utf-8").read()
    gs = load(OUT + "/" + name + ".gradescope" + suffix)
    out["gradescope"] = "\n".join([gs["output"]] + [t["output"] for t in gs["tests"]])
    return out
'
pycheck "student formats: no scenario path:line, box pid or inode; JSON, JUnit and --debug keep them" "$PYSTUDENT"'
internals = [r"\.scn:\d", r"pid \d+ in the box", r"\b(pipe|FIFO) \d+ is held by"]
for name in sys.argv[1:]:
    for suffix in ("", ".hidden"):
        for fmt_, text in student(name, suffix).items():
            for pat in internals:
                m = re.search(pat, text)
                expect(not m, name + suffix + "." + fmt_ + ": " + pat + " in " + repr(m and text[max(0, m.start() - 60):m.end() + 20]))
raw = open(OUT + "/today-rdwr.json", encoding="utf-8").read() + open(OUT + "/today-rdwr.junit.hidden", encoding="utf-8").read()
dbg = open(OUT + "/today-rdwr.text.debug", encoding="utf-8").read()
for pat in internals:
    expect(re.search(pat, raw), "the JSON or JUnit lost " + pat)
    expect(re.search(pat, dbg), "--debug lost " + pat)
t = open(OUT + "/today-rdwr.text.hidden", encoding="utf-8").read()
expect("    waited for r to be blocked (within 2.0 s)\n" in t, "the step line lost more than its path:line")
expect("      fifo_recv: blocked in read() on a FIFO (fd 3)\n      the FIFO is held by: fifo_recv fd 3 (both ends)\n" in t,
       "pid or inode not stripped as expected")
c = open(OUT + "/cause.text", encoding="utf-8").read()
expect("\n    fifo_recv has 2 child processes where one was expected\n" in c, "a list of box pids not stripped as expected")
done()' ${fixtures//.json/}
pycheck "today's repeated Why: said once, in the summary, which names its tests; each test refers to it" "$PYSTUDENT"'
native = load(sys.argv[1] + "/today-rdwr.json")
why = [l for l in native["tests"][0]["feedback"].split("\n") if l.startswith("Why: ")][0][5:]
expect(sum(why in t["feedback"] for t in native["tests"]) == 6, "the fixture no longer repeats its Why")
for suffix, tests in (("", "1, 5, 6, 7, 8"), (".hidden", "1, 4, 5, 6, 7, 8")):
    for fmt_, text in student("today-rdwr", suffix).items():
        flat = re.sub(r"\s+", " ", text.replace("\\", "").replace("**", ""))
        expect(flat.count(why) == 1, "today-rdwr%s.%s: the Why %d times" % (suffix, fmt_, flat.count(why)))
        expect("All failures (tests " + tests + ") have one cause: " + why in flat, "today-rdwr%s.%s: no summary naming tests %s" % (suffix, fmt_, tests))
        expect(text.count("Why: see the summary at the top.") == len(tests.split(", ")), "today-rdwr%s.%s: tests do not refer to it" % (suffix, fmt_))
t = open(OUT + "/today-rdwr.text", encoding="utf-8").read().split("\n")
expect(t[2].startswith("All failures (tests 1, 5, 6, 7, 8) have one cause: ") and t[5] == "", "the summary is not first: " + repr(t[:6]))
done()' "$fix"
pycheck "a build log once, at the top; tests that could not run say so in one line" "$PYSTUDENT"'
native = load(sys.argv[1] + "/today-build.json")
expect(sum("fatal error" in t["feedback"] for t in native["tests"]) == 7, "the fixture no longer repeats the log")
for suffix in ("", ".hidden"):
    for fmt_, text in student("today-build", suffix).items():
        flat = text.replace("\\", "").replace("**", "")
        expect(flat.count("fatal error: nonexistent_header.h") == 1, "today-build%s.%s: the log is there %d times" % (suffix, fmt_, flat.count("fatal error")))
        expect(flat.count("not run: fifo_recv did not build") == (7 if suffix else 6),
               "today-build%s.%s: not one \"not run\" line per test" % (suffix, fmt_))
        expect(flat.find("fatal error") < flat.find("have one cause: fifo"), "today-build%s.%s: the log is not above the summary" % (suffix, fmt_))
t = open(OUT + "/today-build.text", encoding="utf-8").read()
expect("FAIL  0/2  1. a reader started first blocks in open() until a writer opens\n    not run: fifo_recv did not build\nPASS" in t, "test 1 is not one line")
gs = load(OUT + "/today-build.gradescope")
expect(gs["tests"][0]["output"] == "not run: fifo_recv did not build", "Gradescope: " + repr(gs["tests"][0]["output"]))
done()' "$fix"
check "cause.json: the summary names the causes that explain the most tests, with their fixes" \
	diff <(sed -n '3,/^$/p' "$O/cause.text.hidden") - <<'EOF'
Most failures (tests 1, 3, 4, 5) have one cause: fifo_recv opens the FIFO with O_RDWR, so it never
waits for a writer and never sees end of file.
    Fix: Open the FIFO with O_RDONLY in fifo_recv.
Another cause (test 6): fifo_recv exits with status 1 when mkfifo() fails with EEXIST, where it
should go on: mkfifo() returning -1 with errno EEXIST means the FIFO is already there.
    Fix: Treat EEXIST from mkfifo() as success: the FIFO is there to use.
Test 7 failed for another reason, given below.

EOF
check "cause.json: a test with a cause already given, or not checked because of it, is one line" \
	diff <(grep -A1 '^FAIL' "$O/cause.text.hidden") - <<'EOF'
FAIL  0/2  1. a reader started first blocks in open() until a writer opens, whatever the writer does afterwards
    We started your `fifo_recv f` first and waited 2 s for it to block in open(); it was already in read() on the FIFO (fd 3).
--
FAIL  0/2  3. 1 MiB of binary data goes through intact
    same cause as test 1, given at the top
FAIL  0/1  4. the FIFO has mode 0600 while in use
    not checked: it stopped where test 1 failed, for the cause given at the top
FAIL  0/1  5. the FIFO is gone after fifo_recv  (hidden)
    same cause as test 1, given at the top
FAIL  0/1  6. a reader opens a FIFO that a writer created
    fifo_recv exited with status 1 and said "mkfifo: File exists" on its stderr.
--
FAIL  0/2  7. a PATH that is not a FIFO is refused and left alone
    fifo_recv replaced the regular file f with a FIFO; it must refuse a PATH that is not a FIFO and leave it alone.
EOF
check "causes.json: no shared cause: a list of the three that cost the most; the rest named; a grader error is no cause" \
	diff <(sed -n '3,/^$/p' "$O/causes.text") - <<'EOF'
The causes found:
- test 4: sigcatch counts from 0: its first SIGUSR1 line says 0.
  Fix: Increment the counter before you print it.
- test 2: sigcatch waits in a loop that checks a flag, burning CPU, instead of sleeping in
  sigsuspend().
- test 5: sigmask never blocks SIGUSR1: SigBlk stays 0.
Tests 3 and 6 failed for other reasons, given below.

EOF
pycheck "cause.json: a hidden test is left out of the summary without --hidden; Gradescope tells each test its cause" "$PYSTUDENT"'
t = open(OUT + "/cause.text", encoding="utf-8").read()
expect(t.split("\n")[2].startswith("Most failures (tests 1, 3, 4) have one cause: "), "summary " + repr(t.split("\n")[2]))
expect("HIDDEN-FEEDBACK" not in t and "gone after" not in t, "the hidden test shows")
gs = load(OUT + "/cause.gradescope")
expect("Most failures (tests 1, 3, 4) have one cause:" in gs["output"], "no summary in " + repr(gs["output"]))
expect("HIDDEN-FEEDBACK" not in json.dumps(gs), "hidden feedback in Gradescope")
expect(gs["tests"][0]["output"].endswith("\nCause and fix: see the summary at the top."), repr(gs["tests"][0]["output"]))
expect(gs["tests"][3]["output"] == "not checked: it stopped where test 1 failed, for the cause given at the top", repr(gs["tests"][3]["output"]))
done()' "$fix"
check "check: hidden tests left out are counted, with their points, before the score" bash -c "
	[ \"\$(tail -2 '$O/cause.text')\" = \$'1 hidden test (1 point) is not run here\nscore: 2/11' ] &&
	grep -qx '_1 hidden test (1 point) is not run here._' '$O/cause.markdown' &&
	grep -q '1 hidden test (1 point) is not run here' '$O/cause.gradescope' &&
	! grep -q 'not run here' '$O/fail.text' '$O/fail.markdown'"
check "--debug: the step, id, cause, debug text and raw feedback, for a grader's author" bash -c "
	grep -qx '    debug: step /usr/share/ipcgrade/graders/fifo/fifo.scn:6 wait r blocked openat \"f\"' '$O/cause.text.debug' &&
	grep -qx '    debug: r = fifo_recv, pid 2 in the box; FIFO 38 held by pid 2 fd 3 (O_RDWR)' '$O/cause.text.debug' &&
	grep -qx '    debug: not checked because of test recv-waits' '$O/cause.text.debug' &&
	grep -qx '    debug: step not reached /usr/share/ipcgrade/graders/fifo/fifo.scn:59 wait r blocked openat \"f\"' '$O/cause.text.debug' &&
	grep -q '^    /usr/share/ipcgrade/graders/fifo/fifo.scn:6: waited for r to be blocked' '$O/today-rdwr.text.debug' &&
	! grep -q 'debug:' '$O/cause.text.hidden' '$O/cause.markdown.hidden'"
pycheck "markdown: prose wrapped at 100 columns; no wrapped line can start a list, heading or quote" "$PYMD"'
for name in sys.argv[1:]:
    for suffix in ("", ".hidden"):
        lines = prose(open(OUT + "/" + name + ".markdown" + suffix, encoding="utf-8").read())
        for i, line in enumerate(lines):
            if line.startswith("|"): continue	# a table row cannot wrap
            expect(len(line) <= 100, name + suffix + ": %d columns: %r" % (len(line), line))
            if i and lines[i - 1].strip() and not lines[i - 1].startswith("|"):
                expect(not re.match(r"^\s*(\d+[.)](\s|$)|[-+*]\s|=+\s*$|-+\s*$|#{1,6}\s|>)", line),
                       name + suffix + ": a continuation line starts a block: " + repr(line))
md = open(OUT + "/cause.markdown.hidden", encoding="utf-8").read()
expect("<details><summary>5. the FIFO is gone after fifo_recv (hidden) — 0/1</summary>" in md, "hidden not marked in the heading")
expect("| 1 | a reader started first blocks in open() until a writer opens, whatever the writer does afterwards | open-order, blocking, interop | 0/2 | ❌ failed |" in md, "no tags column")
done()' ${fixtures//.json/}

pycheck "engine-rdwr.json, engine-spin.json, engine-numbers.json (as the engine writes them now): cause and fix once in every student format (numbers aside), tests it stopped in one line each" "$PYSTUDENT"'
native = load(sys.argv[1] + "/engine-rdwr.json")
cause = native["tests"][0]["cause"]
expect(all(t.get("cause") == cause for t in native["tests"] if failed(t)), "the fixture lost its one cause")
nc = [t for t in native["tests"] if t.get("not_checked")]
expect(len(nc) == 2 and all(t["not_checked"]["test"] == "recv-waits" for t in nc), "the fixture lost its not_checked")
for suffix in ("", ".hidden"):
    for fmt_, text in student("engine-rdwr", suffix).items():
        flat = re.sub(r"\s+", " ", text.replace("\\", "").replace("**", ""))
        expect(flat.count(cause) == 1, "engine-rdwr%s.%s: the cause %d times" % (suffix, fmt_, flat.count(cause)))
        expect(flat.count("not checked: it stopped where test 1 failed, for the cause given at the top") == 2,
               "engine-rdwr%s.%s: the tests the cause stopped do not say so in one line" % (suffix, fmt_))
        for word in ("wait r ", "(pid ", "FIFO 3", "graders/"):
            expect(word not in text, "engine-rdwr%s.%s: %r shown to a student" % (suffix, fmt_, word))
spin = load(sys.argv[1] + "/engine-spin.json")["tests"][0]
for suffix in ("", ".hidden"):
    for fmt_, text in student("engine-spin", suffix).items():
        flat = re.sub(r"\s+", " ", text.replace("\\", "").replace("**", ""))
        for what in ("cause", "fix"):
            said = spin[what].rstrip(".")
            expect(flat.count(said) == 1, "engine-spin%s.%s: the %s %d times (the story of the step and its hint repeat it)"
                   % (suffix, fmt_, what, flat.count(said)))
nums = load(sys.argv[1] + "/engine-numbers.json")["tests"]
expect(len(set(t["cause"] for t in nums if t.get("cause"))) > 3, "engine-numbers.json lost its causes that differ in numbers only")
for fmt_, text in student("engine-numbers", ".hidden").items():
    flat = re.sub(r"\s+", " ", text.replace("\\", "").replace("**", ""))
    expect(re.search(r"All failures \(tests [0-9, ]+\) have one cause: psum exited with status 1", flat),
           "engine-numbers.%s: causes that differ only in their numbers are not one cause" % fmt_)
dbg = open(OUT + "/engine-rdwr.text.debug", encoding="utf-8").read()
expect("wait r blocked open on" in dbg and "pid 2 in the box" in dbg, "--debug lost the step or the box pid")
done()' "$fix"

# ---- writing: atomic, in place for devices and FIFOs, errors reported ----
R=$work/render
mkdir "$work/w"
check "file: \"-\" writes the same bytes as report_write() to stdout" \
	bash -c "cmp <('$R' junit '$fix/fail.json' -) '$O/fail.junit'"
check "file: a new file has the report, mode 0666 less the umask (027)" bash -c "
	(umask 027 && '$R' markdown '$fix/fail.json' '$work/w/new.md') &&
	cmp '$work/w/new.md' '$O/fail.markdown' && [ \"\$(stat -c %a '$work/w/new.md')\" = 640 ]"
check "file: an existing file is replaced whole and keeps its mode; no temporary file is left" bash -c "
	printf 'old and longer than the new report %.0s' {1..400} >'$work/w/old.txt' && chmod 604 '$work/w/old.txt' &&
	'$R' text '$fix/pass.json' '$work/w/old.txt' && cmp '$work/w/old.txt' '$O/pass.text' &&
	[ \"\$(stat -c %a '$work/w/old.txt')\" = 604 ] &&
	[ \"\$(ls -A '$work/w' | tr '\n' ' ')\" = 'new.md old.txt ' ]"
check "file: a FIFO is written in place, not replaced" bash -c "
	mkfifo '$work/w/fifo' && { timeout 10 cat '$work/w/fifo' >'$work/fifo.out' & } &&
	'$R' gradescope '$fix/fail.json' '$work/w/fifo' && wait &&
	[ -p '$work/w/fifo' ] && cmp '$work/fifo.out' '$O/fail.gradescope'"
expect_error() {	# expect_error DESCRIPTION MESSAGE COMMAND...: exit 1 with MESSAGE on stderr
	local desc=$1 msg=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 1 ] && grep -qF "$msg" <<<"$out"; then ok "$desc"
	else not_ok "$desc" "exit $rc: $out"; fi
}
expect_error "file: a missing directory is an error (ENOENT) and creates nothing" \
	"No such file or directory" "$R" text "$fix/pass.json" "$work/w/missing/report.txt"
[ -e "$work/w/missing" ] && not_ok "file: nothing created for a missing directory" || ok "file: nothing created for a missing directory"
expect_error "file: a parent that is a file is an error (ENOTDIR)" \
	"Not a directory" "$R" text "$fix/pass.json" "$work/w/old.txt/report.txt"
expect_error "stream: a full device is an error (ENOSPC)" \
	"No space left on device" bash -c "exec '$R' text '$fix/pass.json' >/dev/full"
echo '[1, 2]' >"$work/array.json"
expect_error "a result that is not an object is refused (EINVAL)" \
	"Invalid argument" "$R" json "$work/array.json"
[ "$(ls -A "$work/w" | tr '\n' ' ')" = 'fifo new.md old.txt ' ] &&
	ok "file: failed writes leave no temporary file" ||
	not_ok "file: failed writes leave no temporary file" "$(ls -A "$work/w")"

# ---- a test's time is its duration_ms, never its last event's t_ms ----
cat >"$work/timed.json" <<'EOF'
{"assignment": "pipe", "submission": "s", "score": 1, "max_score": 2, "tests": [
 {"id": "slow", "name": "waits 10 s after its last event", "tags": ["eof"], "status": "passed",
  "score": 1, "max_score": 1, "feedback": "", "duration_ms": 10000,
  "events": [{"t_ms": 47, "text": "started pipecat"}]},
 {"id": "old", "name": "a result without duration_ms", "tags": ["eof"], "status": "failed",
  "score": 0, "max_score": 1, "feedback": "x", "events": [{"t_ms": 900, "text": "started"}]}]}
EOF
render junit "$work/timed.json" >"$work/timed.junit" 2>&1
if grep -q 'name="waits 10 s after its last event"[^>]* time="10.000"' "$work/timed.junit" &&
	grep -q 'name="a result without duration_ms"[^>]* time="0.000"' "$work/timed.junit"; then
	ok "junit: a test's time is its duration_ms, not its last event's; without one it is 0"
else
	not_ok "junit: a test's time is its duration_ms, not its last event's; without one it is 0" \
		"$(grep -i testcase "$work/timed.junit")"
fi

# ---- HTML: the Markdown report as a page ----
PYHTML='
from html.parser import HTMLParser
TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h2", "h3", "p", "ul", "ol", "li",
        "strong", "em", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "details",
        "summary", "br"}
ATTRS = {"lang", "charset", "http-equiv", "content", "name", "align"}
class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.title, self.in_title = [], [], [], "", False
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [k for k, v in attrs]
        self.in_title = tag == "title"
    def handle_endtag(self, tag):
        self.in_title = False
    def handle_data(self, d):
        self.text.append(d)
        if self.in_title: self.title += d
def page(path):
    src = open(path, encoding="utf-8").read()
    p = Page()
    p.feed(src)
    p.src = src
    p.all = "".join(p.text)
    return p
'
pycheck "html: every page is whole (doctype, charset, title, inline CSS, a CSP that runs no script) and has only the tags and attributes of a report" "$PYHTML"'
for f in sorted(os.listdir(OUT)):
    if not re.search(r"\.html(\.hidden)?$", f): continue
    p = page(OUT + "/" + f)
    expect(p.src.startswith("<!DOCTYPE html>\n"), f + ": no doctype")
    expect("<meta charset=\"utf-8\">" in p.src, f + ": no charset")
    expect("default-src \x27none\x27" in p.src, f + ": no content security policy")
    expect(p.tags.count("style") == 1 and p.title.strip(), f + ": no CSS or no title")
    expect(not set(p.tags) - TAGS, f + ": tags " + str(set(p.tags) - TAGS))
    expect(not set(p.attrs) - ATTRS, f + ": attributes " + str(set(p.attrs) - ATTRS))
done()'
pycheck "html: the hostile fixture's markup is text on the page, the test table a table, failures folded" "$PYHTML"'
p = page(OUT + "/hostile.html")
expect("<tag>" in p.all and "<t>" in p.all, "the test name and tag are not shown as text")
expect("<\"evil\">" in p.all and "fifo<recv>" in p.all, "the violation is not shown as text")
expect("a<b && c>d" in p.all, "the feedback is not shown as text")
expect("zoë <z> & `co` | x" in p.title, "the title is not the heading: " + p.title)
expect(p.tags.count("table") == 1 and p.tags.count("details") >= 1, "no table or no <details>")
f = page(OUT + "/fail.html")
expect(f.tags.count("details") == f.tags.count("summary") >= 1, "each failure folded in <details><summary>")
done()'
printf '%s\n' '<details><summary>kept &lt;x&gt;</summary>' '' '<script>alert(1)</script>' '' \
	'text <img src=x onerror=alert(2)> and [a link](javascript:alert(3)) <details open>' '' \
	'</details>' >"$work/raw.md"
render md2html "$work/raw.md" >"$work/raw.html" 2>&1
pycheck "html: raw HTML other than the report's own folding is shown as text, javascript: links dropped" "$PYHTML"'
p = page(sys.argv[1])
expect("<details><summary>kept &lt;x&gt;</summary>" in p.src, "the report'"'"'s own <details> is not kept")
expect("script" not in p.tags and "img" not in p.tags, "raw HTML became markup: " + str(p.tags))
expect("<script>alert(1)</script>" in p.all and "<img src=x onerror=alert(2)>" in p.all, "raw HTML not shown as text")
expect("javascript:" not in p.src, "a javascript: link is kept")
expect(p.tags.count("details") == 1, "a <details> with an attribute was kept")
done()' "$work/raw.html"

# ---- memory: AddressSanitizer, UndefinedBehaviorSanitizer, LeakSanitizer ----
asan_ok=0
if cc -std=gnu11 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I "$here/harness" "$fix/render.c" "$here/harness/report.c" "$here/harness/strbuf.c" "$here/harness/html.c" \
	$(pkg-config --cflags --libs jansson libxml-2.0 libcmark-gfm) \
	-o "$work/render-asan" 2>"$work/asan.log" &&
	ASAN_OPTIONS=detect_leaks=1 "$work/render-asan" json "$fix/pass.json" >/dev/null 2>>"$work/asan.log"; then
	asan_ok=1
fi
if [ $asan_ok = 1 ]; then
	errs=
	for f in $fixtures; do
		for fmt in $formats; do
			for opts in "" --hidden "--color --verbose --hidden"; do
				# shellcheck disable=SC2086
				ASAN_OPTIONS=detect_leaks=1 timeout 60 "$work/render-asan" $fmt $opts "$fix/$f" \
					"$work/w/asan.out" 2>"$work/asan.err" || errs="$errs$f $fmt $opts: $(head -5 "$work/asan.err")"$'\n'
			done
		done
	done
	if [ -z "$errs" ]; then ok "no leak, overflow or undefined behaviour in any format (ASan, UBSan, LSan)"
	else not_ok "no leak, overflow or undefined behaviour in any format (ASan, UBSan, LSan)" "$errs"; fi
else
	skip "no leak, overflow or undefined behaviour in any format" \
		"sanitizers unavailable here: $(head -c 200 "$work/asan.log" | tr '\n' ' ')"
fi

finish
