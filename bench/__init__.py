"""Benchmarks: `make bench` (run.py) and the pieces it uses. Not imported by the app.

- run.py            the orchestrator: databases, data, servers, load, report
- load.py           the load driver (a separate process; closed loop, one process per client)
- targets.py        the pages and API endpoints measured (add new ones there)
- report.py         percentiles, ratios, the JSON result and the Markdown table
- session.py        signed-in sessions for the bench user (Django's SessionStore)
- settings_bench.py production settings + a query-counting middleware + the empty floor view
"""
