#!/usr/bin/env python3
# The summary of a `make bench` run (tools/bench/run): the rows bench_row
# recorded (tools/bench/lib.sh, one tab-separated line each) become
# results.json, one Markdown table on stdout and a PNG chart of the ratios
# (gnuplot); --docs writes docs/benchmarks.md from results.json and the
# run's log.
#   report.py rows ROWS.tsv META.json --json OUT.json [--png OUT.png]
#   report.py docs RESULTS.json RUN.log --png CHART.png --out docs/benchmarks.md
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

FIELDS = ("section", "title", "baseline_name", "label", "kind", "ours", "baseline",
          "ratio_shown", "better", "ours_shown", "baseline_shown", "load")
# the unit of the raw numbers bench_row is given, by KIND
UNITS = {"us": "us", "ns": "ns", "s": "ns", "count": "count", "bytes": "bytes",
         "kib": "KiB", "raw": "as labelled"}


def number(v):
    try:
        x = float(v)
    except ValueError:
        return None
    if not math.isfinite(x):
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def read_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != len(FIELDS):
                continue
            r = dict(zip(FIELDS, parts))
            r["unit"] = UNITS.get(r["kind"], r["kind"])
            r["ours"], r["baseline"] = number(r["ours"]), number(r["baseline"])
            r["load"] = number(r["load"])
            o, b = r["ours"], r["baseline"]
            r["ratio"] = o / b if o is not None and b not in (None, 0) else None
            rows.append(r)
    return rows


def cost(r):
    """The ratio turned so that below 1 is always ours doing better."""
    x = r["ratio"]
    if x is None or x <= 0:
        return None
    return x if r["better"] == "lower" else 1 / x


def md_table(rows):
    out = ["| section | what | ours | baseline | ratio |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        ratio = r["ratio_shown"]
        if ratio and r["better"] == "higher":
            ratio += " ↑"
        sec = f'{r["section"]} vs {r["baseline_name"]}'
        label = r["label"].replace("|", "\\|")
        out.append(f'| {sec} | {label} | {r["ours_shown"]} | {r["baseline_shown"]} | {ratio} |')
    out.append("")
    out.append("ratio = ours / baseline; below 1 is better, except rows marked ↑ "
               "(rates: req/s, MB/s, IOPS), where above 1 is better.")
    return "\n".join(out)


def chart(rows, png):
    """Horizontal bars from 1 to each row's cost ratio, log scale; False
    with a reason when it cannot be drawn."""
    if not shutil.which("gnuplot"):
        return "gnuplot not installed (tools/deps.sh installs gnuplot-nox)"
    pts = [(r, cost(r)) for r in rows if cost(r) is not None]
    if not pts:
        return "no row has both figures"
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "ratios.dat")
        with open(dat, "w", encoding="utf-8") as f:
            for i, (r, c) in enumerate(reversed(pts)):
                name = f'{r["section"]}: {r["label"]}'
                if len(name) > 70:
                    name = name[:67] + "..."
                name = name.replace('"', "'")
                colour = 0x2E8B57 if c <= 1 else 0xC0392B
                f.write(f'{i} {min(1, c):.6g} {max(1, c):.6g} {c:.6g} {colour:d} "{name}"\n')
        lo = min(c for _, c in pts)
        hi = max(c for _, c in pts)
        xmin = 10 ** math.floor(math.log10(min(lo, 1) * 0.8))
        xmax = 10 ** math.ceil(math.log10(max(hi, 1) * 1.25))
        height = 120 + 15 * len(pts)
        script = f"""
set terminal png size 1100,{height} font 'DejaVuSans,8' noenhanced
set output '{png}'
set title "unum vs baseline: cost ratio per row (ours/baseline; baseline/ours for rates), below 1 = ours better"
set logscale x
set xrange [{xmin}:{xmax}]
set yrange [-1:{len(pts)}]
set ytics scale 0
set grid xtics
set xlabel 'cost ratio (log scale)'
set style fill solid 0.8 noborder
set lmargin 62
unset key
set arrow from 1,-1 to 1,{len(pts)} nohead lw 2 lc rgb 'black'
plot '{dat}' using (($2+$3)/2):1:2:3:($1-0.35):($1+0.35):5:ytic(6) with boxxyerror lc rgb variable, \\
     '' using 3:1:(sprintf(' %.3g', $4)) with labels left font 'sans,7'
"""
        res = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if res.returncode != 0 or not os.path.exists(png):
            return "gnuplot failed: " + res.stderr.strip()[:200]
    return None


def cmd_rows(rows_path, meta_path, out_json, png):
    rows = read_rows(rows_path)
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    why = chart(rows, png) if png else "not asked for"
    meta["chart"] = os.path.basename(png) if png and why is None else None
    if why:
        meta["chart_missing"] = why
    keep = ("section", "title", "baseline_name", "label", "kind", "unit", "ours", "baseline",
            "ratio", "better", "ours_shown", "baseline_shown", "load")
    doc = {"meta": meta, "rows": [{k: r[k] for k in keep} for r in rows]}
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"\n== summary: {len(rows)} rows ==")
    print(md_table(rows))
    print(f"\nresults: {out_json}" + (f"; chart: {png}" if meta["chart"] else f"; no chart: {why}"))


def cmd_docs(results, log, png, out):
    with open(results, encoding="utf-8") as f:
        doc = json.load(f)
    meta, rows = doc["meta"], doc["rows"]
    for r in rows:
        if r["ratio"] is not None:
            r["ratio_shown"] = f'{r["ratio"]:.0f}' if r["ratio"] >= 100 else f'{r["ratio"]:.2f}'
        else:
            r["ratio_shown"] = ""
    with open(log, encoding="utf-8") as f:
        log_text = f.read().strip("\n")
    docs_dir = os.path.dirname(os.path.abspath(out))
    chart_line = "No chart: " + meta.get("chart_missing", "none was drawn") + "."
    if meta.get("chart") and os.path.exists(png):
        shutil.copyfile(png, os.path.join(docs_dir, "benchmarks.png"))
        # the PNG sits beside the page, as benchmarks.png
        chart_line = ("![cost ratio per row, log scale](benchmarks.png)\n\n"
                      "Each bar runs from 1 to the row's cost ratio: ours / baseline, turned "
                      "(baseline / ours) for rates, so left of the line is ours doing better. "
                      "The PNG (docs/benchmarks.png) is committed with this page.")
    sections = ", ".join(meta["sections"])
    host = meta["host"]
    text = f"""# Benchmarks

Generated by `{meta["command"]}` (tools/bench/report.py) from the run below;
do not edit by hand. Every figure comes from that one run on a loaded
shared host: under TCG, and with other jobs on the CPUs, treat ratios as
the result and absolute times as noisy. A number never fails a build
(DESIGN.md, "Measuring").

## The run

| | |
| --- | --- |
| date (start) | {meta["date"]} |
| git rev | {meta["git_rev"]}{" (with uncommitted changes)" if meta.get("git_dirty") else ""} |
| QEMU | {meta["qemu"]} |
| host | {host["cpus"]} CPUs ({host["cpu_model"]}), {host["mem_total"]}, Linux {host["kernel"]} |
| host load (1 min) | {host["load_start"]} at the start, {host["load_end"]} at the end |
| profile | {meta["profile"]} |
| sections run | {sections} |
| wall time | {meta["seconds"]} s |

To repeat it:

    tools/deps.sh && make all image apps && make -f tools/bench/bench.mk bench-tools
    {meta["command"]}

`make bench` runs every section (`tools/bench/run`); `tools/bench/run NAME...`
runs some (the names after `NN-` in tools/bench/sections/);
`tools/bench/run --write-docs [NAME...]` also rewrites this page.
Figures go to build/bench/results.json (every row, with the run's facts)
and build/bench/ratios.png.

## Summary

{md_table(rows)}

{chart_line}

## Every section's output

Notes under each table say how each figure was taken and why one is missing.

```
{log_text}
```
"""
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) >= 4 and argv[1] == "rows":
        opts = dict(zip(argv[4::2], argv[5::2]))
        cmd_rows(argv[2], argv[3], opts["--json"], opts.get("--png"))
    elif len(argv) >= 4 and argv[1] == "docs":
        opts = dict(zip(argv[4::2], argv[5::2]))
        cmd_docs(argv[2], argv[3], opts["--png"], opts["--out"])
    else:
        sys.exit("usage: report.py rows ROWS.tsv META.json --json OUT.json [--png OUT.png]\n"
                 "       report.py docs RESULTS.json RUN.log --png CHART.png --out FILE.md")


if __name__ == "__main__":
    main(sys.argv)
