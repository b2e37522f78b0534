"""The load driver: a fixed number of concurrent clients, closed loop, against a running server.

    python bench/load.py --plan plan.json --out results.json

`plan.json` is a list of runs: {"label", "base_url", "path", "cookies": [..], "optional",
"clients", "duration", "warmup"}. For each run, `clients` processes (one per client, so no
client waits on another's interpreter lock) each keep one keep-alive HTTP connection
(urllib3) and send the next GET as soon as the previous answer is read, for `warmup`
seconds unmeasured and then `duration` seconds measured. Every latency is kept (no
histogram buckets) and reported as p50/p95/p99; the server's X-Query-Count header gives
queries per request. Redirects are not followed: a 302 to the login page shows up as such.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import sys
import time
from collections import Counter

import urllib3


def _percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _client(base_url: str, path: str, cookie: str | None, warmup: float, duration: float, barrier, queue):
    url = urllib3.util.parse_url(base_url)
    pool = urllib3.HTTPConnectionPool(url.host, url.port or 80, maxsize=1, block=True, retries=False,
                                      timeout=urllib3.Timeout(connect=10, read=120))
    headers = {"Accept": "text/html,application/json", "User-Agent": "joinery-bench"}
    if cookie:
        headers["Cookie"] = cookie
    latencies: list[float] = []
    statuses: Counter = Counter()
    queries: Counter = Counter()
    sizes: list[int] = []
    errors = 0

    def one(record: bool) -> None:
        nonlocal errors
        started = time.perf_counter()
        try:
            r = pool.request("GET", path, headers=headers, redirect=False, preload_content=True)
        except Exception:
            errors += 1
            time.sleep(0.01)
            return
        elapsed = time.perf_counter() - started
        if record:
            latencies.append(elapsed * 1000)
            statuses[r.status] += 1
            q = r.headers.get("X-Query-Count")
            if q is not None:
                queries[int(q)] += 1
            sizes.append(len(r.data))

    end_warmup = time.perf_counter() + warmup
    one(False)
    while time.perf_counter() < end_warmup:
        one(False)
    errors = 0
    barrier.wait()
    started = time.perf_counter()
    deadline = started + duration
    while time.perf_counter() < deadline and errors < 1000:
        one(True)
    queue.put({"latencies": latencies, "statuses": dict(statuses), "queries": dict(queries), "sizes": sizes,
               "errors": errors, "elapsed": time.perf_counter() - started})


def probe(base_url: str, path: str, cookie: str | None) -> int:
    url = urllib3.util.parse_url(base_url)
    pool = urllib3.HTTPConnectionPool(url.host, url.port or 80, retries=False, timeout=120)
    headers = {"Cookie": cookie} if cookie else {}
    return pool.request("GET", path, headers=headers, redirect=False).status


def run_one(run: dict) -> dict:
    """Drive one target; return its figures."""
    clients = int(run.get("clients", 4))
    cookies = run.get("cookies") or [None]
    out = {"label": run["label"], "path": run["path"], "clients": clients, "duration": run.get("duration", 10)}
    first = probe(run["base_url"], run["path"], cookies[0])
    if first == 404 and run.get("optional"):
        out["skipped"] = "404: not in this build"
        return out
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(run["base_url"], run["path"], cookies[i % len(cookies)],
                                                 float(run.get("warmup", 1)), float(run.get("duration", 10)),
                                                 barrier, queue), daemon=True)
             for i in range(clients)]
    for p in procs:
        p.start()
    parts = [queue.get(timeout=float(run.get("duration", 10)) + float(run.get("warmup", 1)) + 300)
             for _ in procs]
    for p in procs:
        p.join(timeout=10)
    latencies = sorted(x for part in parts for x in part["latencies"])
    statuses: Counter = Counter()
    queries: Counter = Counter()
    sizes: list[int] = []
    for part in parts:
        statuses.update({int(k): v for k, v in part["statuses"].items()})
        queries.update({int(k): v for k, v in part["queries"].items()})
        sizes.extend(part["sizes"])
    elapsed = max(part["elapsed"] for part in parts)
    n = len(latencies)
    q_values = sorted(queries.elements())
    out.update(
        requests=n,
        errors=sum(part["errors"] for part in parts),
        statuses={str(k): v for k, v in sorted(statuses.items())},
        rps=round(n / elapsed, 2) if elapsed else 0.0,
        latency_ms={
            "p50": _round(_percentile(latencies, 50)),
            "p95": _round(_percentile(latencies, 95)),
            "p99": _round(_percentile(latencies, 99)),
            "mean": _round(sum(latencies) / n if n else None),
            "max": _round(latencies[-1] if n else None),
        },
        queries={"median": q_values[len(q_values) // 2] if q_values else None,
                 "min": q_values[0] if q_values else None, "max": q_values[-1] if q_values else None},
        bytes=sorted(sizes)[len(sizes) // 2] if sizes else None,
        status_first=first,
    )
    return out


def _round(value):
    return None if value is None else round(value, 2)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True, help="JSON list of runs")
    parser.add_argument("--out", required=True, help="where to write the results (JSON)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    with open(args.plan, encoding="utf-8") as fh:
        plan = json.load(fh)
    results = []
    for i, run in enumerate(plan, start=1):
        result = run_one(run)
        results.append(result)
        if not args.quiet:
            if "skipped" in result:
                line = f"skipped ({result['skipped']})"
            else:
                lat = result["latency_ms"]
                line = (f"{result['rps']:8.1f} req/s  p50 {lat['p50']:8.1f}  p95 {lat['p95']:8.1f}  "
                        f"p99 {lat['p99']:8.1f} ms  {result['queries']['median']} queries  {result['statuses']}")
            print(f"  [{i:>2}/{len(plan)}] {run['label']:<28} {line}", flush=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2)


if __name__ == "__main__":
    sys.exit(main())
