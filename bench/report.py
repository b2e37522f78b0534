"""Ratios, goals, the JSON result and the Markdown table."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

from bench.targets import FLOOR

GOAL_SCALE = 1.25  # p95 at the large scale / p95 at the small scale: at most this
GOAL_FLOOR = 0.25  # throughput / the empty view's throughput: at least this

DB_TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        info["django"] = version("Django")
        info["gunicorn"] = version("gunicorn")
    except Exception:
        pass
    return info


def build(*, db: str, small: str, large: str, targets, results: dict, generation: dict, params: dict,
          db_version: str = "", when: dt.datetime | None = None) -> dict:
    """`results` maps (target name, scale) to load.py's figures."""
    when = when or dt.datetime.now()
    floor = results.get((FLOOR, large)) or {}
    floor_rps = floor.get("rps") or 0
    rows = []
    for t in targets:
        s, lg = results.get((t.name, small)), results.get((t.name, large))
        row = {"target": t.name, "path": t.path, "description": t.description, "small": s, "large": lg,
               "scale_ratio": None, "floor_ratio": None, "misses": []}
        if s and lg and "skipped" not in s and "skipped" not in lg:
            p95_small, p95_large = s["latency_ms"]["p95"], lg["latency_ms"]["p95"]
            if p95_small and p95_large:
                row["scale_ratio"] = round(p95_large / p95_small, 2)
            if floor_rps:
                row["floor_ratio"] = round(lg["rps"] / floor_rps, 2)
            if t.name != FLOOR:
                if row["scale_ratio"] is not None and row["scale_ratio"] > GOAL_SCALE:
                    row["misses"].append("scale")
                if row["floor_ratio"] is not None and row["floor_ratio"] < GOAL_FLOOR:
                    row["misses"].append("floor")
            bad = {k: v for part in (s, lg) for k, v in part["statuses"].items() if not k.startswith("2")}
            if bad or s.get("errors") or lg.get("errors"):
                row["misses"].append("status " + ",".join(sorted(bad)) if bad else "errors")
        elif (s and "skipped" in s) or (lg and "skipped" in lg):
            row["skipped"] = (s or lg).get("skipped")
        rows.append(row)
    return {
        "date": when.strftime("%Y-%m-%d"),
        "time": when.strftime("%H:%M"),
        "db": db,
        "db_version": db_version,
        "scales": {"small": small, "large": large},
        "machine": machine(),
        "params": params,
        "generation": generation,
        "goals": {"scale_ratio_max": GOAL_SCALE, "floor_ratio_min": GOAL_FLOOR},
        "targets": rows,
    }


def _f(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown(report: dict) -> str:
    small, large = report["scales"]["small"], report["scales"]["large"]
    m = report["machine"]
    p = report["params"]
    title = DB_TITLES.get(report["db"], report["db"])
    lines = [
        f"#### {title} {report.get('db_version', '')}: {small} → {large} "
        f"({report['date']}, {m.get('cpus')} cores {m.get('cpu', '')}, {p.get('clients')} clients × "
        f"{p.get('duration')} s per target, gunicorn {p.get('workers')} workers × 4 threads)",
        "",
        f"| Target | Queries ({small}/{large}) | req/s | p50 ms | p95 ms | p99 ms | p95 {small} ms "
        f"| Scale ratio (≤ {GOAL_SCALE}) | Floor ratio (≥ {GOAL_FLOOR}) | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["targets"]:
        s, lg = row["small"], row["large"]
        if row.get("skipped") or not (s and lg):
            lines.append(f"| {row['target']} | | | | | | | | | {row.get('skipped', 'not measured')} |")
            continue
        lat = lg["latency_ms"]
        queries = f"{s['queries']['median']}/{lg['queries']['median']}"
        verdict = "✗ " + ", ".join(row["misses"]) if row["misses"] else ("floor" if row["target"] == FLOOR else "✓")
        lines.append(
            f"| {row['target']} | {queries} | {_f(lg['rps'])} | {_f(lat['p50'])} | {_f(lat['p95'])} | "
            f"{_f(lat['p99'])} | {_f(s['latency_ms']['p95'])} | {_f(row['scale_ratio'], 2)} | "
            f"{_f(row['floor_ratio'], 2)} | {verdict} |")
    gen = report.get("generation") or {}
    if gen:
        lines.append("")
        parts = []
        for scale, g in gen.items():
            if g:
                parts.append(f"{scale}: {g.get('rows', 0):,} rows generated in {g.get('total_seconds', '?')} s"
                             + (" (reused)" if g.get("reused") else ""))
        lines.append("Data: " + "; ".join(parts) + ".")
    return "\n".join(lines) + "\n"


def write(report: dict, out_dir: Path, suffix: str = "") -> tuple[Path, Path]:
    """bench/results/<date>-<db>.json and .md (a suffix names other scales than the default)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{report['date']}-{report['db']}{suffix}"
    json_path = out_dir / f"{stem}.json"
    md_path = out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(report), encoding="utf-8")
    return json_path, md_path
