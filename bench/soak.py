"""The soak: the bench's load against one `joinery serve` for minutes; errors and memory.

bench/run.py runs it after the scale comparison (`--soak SECONDS`, default 600; `--no-soak`
skips it; `--soak-only` runs nothing else). The same clients as the comparison (closed loop,
one process and one keep-alive connection each) go round the same targets, each client
starting at a different one, for the whole duration. Meanwhile the resident memory (VmRSS) of
every gunicorn worker is read from /proc every few seconds.

It reports requests, errors (any answer other than 2xx/3xx, and every failed connection),
throughput, latency percentiles, each worker's RSS at start and end and its least-squares
slope in MB per hour after the warm-up. Memory is "flat" when every worker's slope is below
FLAT_MB_PER_HOUR (5 MB per 10 minutes). PASS: no error, no worker restarted, memory flat.
Results go to bench/results/<date>-soak-<db>.json and .md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing as mp
import os
import time
from collections import Counter
from pathlib import Path

FLAT_MB_PER_HOUR = 30.0  # = 5 MB per 10 minutes, per worker


# --- memory ----------------------------------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc/<pid>/stat (field 4 is the parent's pid)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def gunicorn_workers(serve_pid: int) -> list[int]:
    """The worker processes of the gunicorn master that `joinery serve` (serve_pid) started."""
    children = _children()
    masters = [pid for pid in children.get(serve_pid, []) if "gunicorn" in _cmdline(pid)]
    return sorted(pid for master in masters for pid in children.get(master, []))


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def slope_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) points, in MB per hour."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (m - mean_m) for t, m in points)
    return cov / var * 3600


# --- the clients ----------------------------------------------------------------------------------

def _client(base_url: str, paths: list[tuple[str, bool]], cookie: str | None, start: int, duration: float,
            barrier, queue) -> None:
    import urllib3

    url = urllib3.util.parse_url(base_url)
    pool = urllib3.HTTPConnectionPool(url.host, url.port or 80, maxsize=1, block=True, retries=False,
                                      timeout=urllib3.Timeout(connect=10, read=120))
    base_headers = {"Accept": "text/html,application/json", "User-Agent": "joinery-bench-soak"}
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    per_minute: Counter = Counter()
    barrier.wait()
    started = time.perf_counter()
    deadline = started + duration
    i = start
    while time.perf_counter() < deadline:
        path, auth = paths[i % len(paths)]
        i += 1
        headers = dict(base_headers, Cookie=cookie) if (auth and cookie) else base_headers
        t0 = time.perf_counter()
        try:
            r = pool.request("GET", path, headers=headers, redirect=False, preload_content=True)
        except Exception as exc:
            errors[f"{type(exc).__name__} on {path}"] += 1
            time.sleep(0.05)
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        statuses[r.status] += 1
        per_minute[int((t0 - started) // 60)] += 1
        if not 200 <= r.status < 400:
            errors[f"{r.status} on {path}"] += 1
    queue.put({"latencies": latencies, "statuses": dict(statuses), "errors": dict(errors),
               "per_minute": dict(per_minute), "elapsed": time.perf_counter() - started})


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return round(values[max(1, math.ceil(p / 100 * len(values))) - 1], 2)


# --- one soak -------------------------------------------------------------------------------------

def run(*, serve_pid: int, base_url: str, paths: list[tuple[str, bool]], cookies: list[str], clients: int,
        duration: float, warmup: float | None = None, sample_every: float | None = None,
        log=print) -> dict:
    """Drive `clients` closed-loop clients round `paths` for `duration` seconds; sample RSS."""
    warmup = min(60.0, duration / 5) if warmup is None else warmup
    sample_every = min(5.0, max(duration / 20, 0.2)) if sample_every is None else sample_every
    workers = gunicorn_workers(serve_pid)
    if not workers:
        raise SystemExit(f"No gunicorn worker found under `joinery serve` (pid {serve_pid}).")
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients + 1)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(base_url, paths, cookies[i % len(cookies)] if cookies else None,
                                                 i * max(1, len(paths) // clients), duration, barrier, queue),
                         daemon=True) for i in range(clients)]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.monotonic()
    samples: list[dict] = []
    seen = set(workers)
    next_log = started + 60
    while True:
        now = time.monotonic() - started
        current = gunicorn_workers(serve_pid)
        seen.update(current)
        samples.append({"t": round(now, 2), "rss_mb": {str(pid): round(m, 2) for pid in current
                                                        if (m := rss_mb(pid)) is not None}})
        if now >= duration:
            break
        if time.monotonic() >= next_log:
            total = sum(samples[-1]["rss_mb"].values())
            log(f"  soak: {now / 60:4.1f} min, workers' RSS {total:.1f} MB in all")
            next_log += 60
        time.sleep(min(sample_every, max(0.0, duration - now)))
    parts = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=10)

    latencies = sorted(x for part in parts for x in part["latencies"])
    statuses: Counter = Counter()
    errors: Counter = Counter()
    per_minute: Counter = Counter()
    for part in parts:
        statuses.update({int(k): v for k, v in part["statuses"].items()})
        errors.update(part["errors"])
        per_minute.update({int(k): v for k, v in part["per_minute"].items()})
    elapsed = max(part["elapsed"] for part in parts)
    n = len(latencies)

    worker_figures = []
    for pid in workers:
        series = [(s["t"], s["rss_mb"][str(pid)]) for s in samples if str(pid) in s["rss_mb"]]
        after = [(t, m) for t, m in series if t >= warmup]
        slope = slope_per_hour(after)
        worker_figures.append({
            "pid": pid, "samples": len(series),
            "rss_start_mb": series[0][1] if series else None,
            "rss_after_warmup_mb": after[0][1] if after else None,
            "rss_end_mb": series[-1][1] if series else None,
            "rss_max_mb": max(m for _, m in series) if series else None,
            "slope_mb_per_hour": round(slope, 2) if slope is not None else None,
        })
    restarts = len(seen - set(workers))
    slopes = [w["slope_mb_per_hour"] for w in worker_figures if w["slope_mb_per_hour"] is not None]
    flat = bool(slopes) and len(slopes) == len(worker_figures) and max(slopes) < FLAT_MB_PER_HOUR
    error_count = sum(errors.values())
    return {
        "requests": n,
        "errors": error_count,
        "error_kinds": dict(errors.most_common(20)),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "rps": round(n / elapsed, 2) if elapsed else 0.0,
        "per_minute": [per_minute.get(m, 0) for m in range(max(per_minute, default=-1) + 1)],
        "latency_ms": {"p50": _percentile(latencies, 50), "p95": _percentile(latencies, 95),
                       "p99": _percentile(latencies, 99), "max": round(latencies[-1], 2) if n else None},
        "workers": worker_figures,
        "worker_restarts": restarts,
        "flat_threshold_mb_per_hour": FLAT_MB_PER_HOUR,
        "memory_flat": flat,
        "pass": error_count == 0 and restarts == 0 and flat,
        "duration": duration, "warmup": warmup, "sample_every": sample_every, "clients": clients,
        "targets": [p for p, _auth in paths],
        "samples": samples,
    }


# --- results ----------------------------------------------------------------------------------------

def markdown(report: dict) -> str:
    s = report["soak"]
    m = report.get("machine", {})
    lines = [
        f"### Soak on {report['db_title']} ({report['date']}, {report['scale']} scale, {m.get('cpus')} cores)",
        "",
        f"{s['clients']} clients round {len(s['targets'])} targets for {s['duration']:g} s against `joinery serve` "
        f"({report['params']['workers']} gunicorn workers × 4 threads); RSS sampled every {s['sample_every']:g} s, "
        f"slope after {s['warmup']:g} s of warm-up.",
        "",
        "| requests | errors | req/s | p50 ms | p95 ms | p99 ms | worker restarts | result |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {s['requests']:,} | {s['errors']} | {s['rps']:.1f} | {s['latency_ms']['p50']} | {s['latency_ms']['p95']} "
        f"| {s['latency_ms']['p99']} | {s['worker_restarts']} | **{'PASS' if s['pass'] else 'FAIL'}** |",
        "",
        "| worker | RSS start MB | after warm-up | end | max | slope MB/h |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for i, w in enumerate(s["workers"], start=1):
        lines.append(f"| {i} (pid {w['pid']}) | {w['rss_start_mb']} | {w['rss_after_warmup_mb']} | {w['rss_end_mb']} "
                     f"| {w['rss_max_mb']} | {w['slope_mb_per_hour']} |")
    lines += ["", f"Memory flat (every slope < {s['flat_threshold_mb_per_hour']:g} MB/h = 5 MB per 10 min): "
              f"{'yes' if s['memory_flat'] else 'NO'}."]
    if s["error_kinds"]:
        lines.append("Errors: " + ", ".join(f"{k} × {v}" for k, v in s["error_kinds"].items()))
    return "\n".join(lines) + "\n"


def write(report: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{report['date']}-soak-{report['db']}"
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(report), encoding="utf-8")
    return json_path, md_path


def build(*, db: str, db_title: str, scale: str, soak: dict, params: dict, machine: dict, db_version: str = "",
          when: dt.datetime | None = None) -> dict:
    when = when or dt.datetime.now()
    return {"kind": "soak", "date": when.strftime("%Y-%m-%d"), "generated_at": when.isoformat(timespec="seconds"),
            "db": db, "db_title": db_title, "db_version": db_version, "scale": scale, "params": params,
            "machine": machine, "soak": soak}
