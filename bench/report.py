#!/usr/bin/env python3
"""Turn bench.py's JSON into the results section of docs/PERFORMANCE.md
and an SVG chart (gnuplot).

usage: report.py RESULTS.json PERFORMANCE.md CHART.svg

The section between the markers <!-- results:begin --> and
<!-- results:end --> of PERFORMANCE.md is replaced; the rest of the
document (method, analysis) is left as it is.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

PEERS = ["superd", "runit", "s6", "supervisord"]
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"

# key, label, unit, scale from the JSON's unit, lower is better
ROWS = [
    ("start", "start-up to all running", "ms", 1),
    ("pss", "memory, PSS of the supervisor", "MiB", 1 / 1024),
    ("st_all", "`status` of every service", "ms", 1),
    ("st_one", "`status` of one service", "ms", 1),
    ("crash", "crash to replacement", "ms", 1),
    ("stop", "stop of everything", "ms", 1),
    ("idle_calls", "syscalls in 10 idle s", "", 1),
    ("idle_cpu", "CPU time in 10 idle s", "ms", 1),
]


def fmt(x):
    if x is None:
        return "?"
    if x == int(x) and abs(x) < 1e6:
        return format(int(x), ",")
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    if abs(x) >= 1:
        return "%.2f" % x
    return "%.3f" % x


def series(runs, key, scale):
    v = [r[key] * scale for r in runs if r.get(key) is not None]
    return v


def cell(v):
    if not v:
        return "–"
    m = statistics.median(v)
    if len(v) == 1 or min(v) == max(v):
        return fmt(m)
    return "%s <sub>%s–%s</sub>" % (fmt(m), fmt(min(v)), fmt(max(v)))


def med(v):
    return statistics.median(v) if v else None


def ratio(a, b):
    if a is None or b is None:
        return "–"
    if b == 0:
        return "=" if a == 0 else "∞"
    return "%.2fx" % (a / b)


def results_md(d):
    m = d["machine"]
    fl = d["floors"]
    spawn = statistics.median(fl["spawn"])
    out = []
    out.append("Measured on %s: %s, %d cores, %s GiB, Linux %s, Debian %s; "
               "supervisor %s, runit %s, s6 %s. The whole run took %d s."
               % (m["date"], m.get("cpu", "?"), m["cores"], m["mem_gib"],
                  m["kernel"], m["debian"], m["versions"]["supervisor"],
                  m["versions"]["runit"], m["versions"]["s6"], d["seconds"]))
    out.append("")
    out.append("Each cell: the median over the runs, the minimum and maximum "
               "in small type. *ratio* is superd's median over the best "
               "peer's: under 1 means superd is ahead.")
    out.append("")
    out.append("### The machine's floor")
    out.append("")
    out.append("| what | median | min–max |")
    out.append("|---|---|---|")
    for k, label, unit in (
            ("spawn", "posix_spawn+wait of `sleep 0`, 1,000 in sequence", "ms"),
            ("fork", "fork+exec+wait of `sleep 0`, 1,000 in sequence", "ms"),
            ("rtt", "Unix-socket request/response round trip", "µs")):
        v = fl[k]
        out.append("| %s | %s %s | %s–%s |" % (label, fmt(med(v)), unit,
                                             fmt(min(v)), fmt(max(v))))
    out.append("")
    sizes = sorted({int(k.split("/")[1]) for k in d["runs"]})
    peers_n = [n for n in sizes
               if any("%s/%d" % (p, n) in d["runs"] for p in PEERS[1:])]
    for n in peers_n:
        out.append("### %s services" % format(n, ","))
        out.append("")
        present = [p for p in PEERS if "%s/%d" % (p, n) in d["runs"]]
        out.append("| | " + " | ".join(present) + " | ratio |")
        out.append("|---" * (len(present) + 2) + "|")
        for key, label, unit, scale in ROWS:
            cells, meds = [], {}
            for p in present:
                v = series(d["runs"]["%s/%d" % (p, n)], key, scale)
                cells.append(cell(v))
                meds[p] = med(v)
            peers = [meds[p] for p in present[1:] if meds[p] is not None]
            best = min(peers) if peers else None
            lab = label + (" (%s)" % unit if unit else "")
            out.append("| %s | %s | %s |" % (lab, " | ".join(cells),
                                             ratio(meds.get("superd"), best)))
        sd = d["runs"].get("superd/%d" % n)
        if sd:
            bare = med(series(sd, "bare", 1))
            one = med(series(sd, "st_one", 1))
            out.append("")
            out.append("superd's `status` of one service against a bare C "
                       "client's connect-and-exit: %s ms against %s ms, %s."
                       % (fmt(one), fmt(bare), ratio(one, bare)))
            bs = med(series(sd, "bare_static", 1))
            if bs is not None:
                out.append("superctl is linked statically; against the bare "
                           "client linked the same way (%s ms) it is at %s."
                           % (fmt(bs), ratio(one, bs)))
            if n == 1000:
                st = med(series(sd, "start", 1))
                out.append("Start-up of 1,000 against the sequential spawn "
                           "floor: %s ms against %s ms, %s."
                           % (fmt(st), fmt(spawn), ratio(st, spawn)))
        out.append("")
    for n in sizes:
        if n in peers_n:
            continue
        runs = d["runs"].get("superd/%d" % n)
        if not runs:
            continue
        out.append("### superd alone at %s units" % format(n, ","))
        out.append("")
        out.append("| | superd |")
        out.append("|---|---|")
        for key, label, unit, scale in ROWS:
            v = series(runs, key, scale)
            if v:
                out.append("| %s | %s |" % (label + (" (%s)" % unit if unit else ""),
                                           cell(v)))
        out.append("")
    out.append("![superd against its peers at 1,000 services]"
               "(performance.svg)")
    return "\n".join(out)


def chart(d, svg):
    n = 1000 if any(k.endswith("/1000") for k in d["runs"]) else \
        max(int(k.split("/")[1]) for k in d["runs"])
    panels = [("start", "start-up (ms)", 1), ("pss", "memory, PSS (MiB)", 1 / 1024),
              ("st_all", "status of all (ms)", 1), ("st_one", "status of one (ms)", 1),
              ("crash", "crash to replacement (ms)", 1), ("stop", "stop of all (ms)", 1)]
    tmp = tempfile.mkdtemp()
    script = ['set terminal svg size 960,560 dynamic font "sans,11"',
              'set output "%s"' % svg,
              'set multiplot layout 2,3 title "superd and its peers, %s services '
              '(medians; lower is better; log scale)"' % format(n, ","),
              "set style fill solid 0.8 border -1", "set boxwidth 0.6",
              "set logscale y", "unset key", "set xtics nomirror",
              "set ytics nomirror", "set grid ytics", "set yrange [*:*]"]
    colours = {"superd": "#1b7837", "runit": "#762a83", "s6": "#2166ac",
               "supervisord": "#b2182b"}
    for key, title, scale in panels:
        path = os.path.join(tmp, key + ".dat")
        with open(path, "w") as f:
            for i, p in enumerate(PEERS):
                runs = d["runs"].get("%s/%d" % (p, n))
                v = med(series(runs, key, scale)) if runs else None
                if v is not None and v > 0:
                    f.write('%d "%s" %g 0x%s\n' % (i, p, v, colours[p][1:]))
        script.append('set title "%s"' % title)
        script.append('plot "%s" using 1:3:4:xtic(2) with boxes lc rgb variable'
                      % path)
    script.append("unset multiplot")
    gp = os.path.join(tmp, "chart.gp")
    with open(gp, "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", gp], check=True)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        d = json.load(f)
    doc = sys.argv[2]
    with open(doc) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit("%s: no %s ... %s markers" % (doc, BEGIN, END))
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(doc, "w") as f:
        f.write(head + BEGIN + "\n" + results_md(d) + "\n" + END + tail)
    chart(d, sys.argv[3])
    print("wrote", doc, "and", sys.argv[3])


if __name__ == "__main__":
    main()
