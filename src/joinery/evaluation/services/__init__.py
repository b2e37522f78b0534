"""Every write to the evaluation framework, grouped by what it changes.

- `framework`: the framework, outcomes, indicators, targets, links to work and commitments,
  adoption by decision, versions after adoption.
- `measurements`: report, correct, import, API push, reminders.
- `reporting`: partners' own reporting requirements and their mapping; open data publication.

Import from the module, e.g. `from joinery.evaluation.services import framework`.
"""
