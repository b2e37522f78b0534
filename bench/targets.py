"""What `make bench` measures. Add a page or an endpoint here: one line each.

`path` is formatted with the bench context that `generate_data --context-out` writes:
{partnership} (slug), {partnership_id}, {decision_id}, {agreement_id}, {organisation} (slug),
{search}, {programme_id}, {work_item_id}, {risk_id}, {meeting_id} (the bench partnership's
next review), {contribution_id}, and for the evaluation framework {framework_id}, {outcome_id},
{indicator_id}, {requirement_id} (the bench organisation's) and {feedback_channel} (a slug). `auth=False` requests go without the session cookie.
`optional=True` targets are skipped with a note when the server answers 404 (a page not
built yet in this checkout).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    auth: bool = True
    optional: bool = False
    description: str = ""

    def url_path(self, context: dict) -> str:
        return self.path.format(**context)


FLOOR = "floor"

TARGETS: list[Target] = [
    Target(FLOOR, "/bench/empty", description="empty view, full middleware: the framework floor"),
    Target("home", "/dashboard/", description="the signed-in home (/ redirects here)"),
    Target("home-anon", "/", auth=False, description="the public home page"),
    Target("org-search", "/organisations/?q={search}", description="organisation directory, searched"),
    Target("partnership", "/partnerships/{partnership}/", description="partnership page (12 partners)"),
    Target("map-data", "/network-map.json?partnership={partnership}", description="network map data"),
    Target("decision", "/partnerships/{partnership}/decisions/{decision_id}/", description="decision page"),
    Target("decisions", "/partnerships/{partnership}/decisions/",
           description="decision list (61: 60 and the framework adoption)"),
    Target("activity", "/partnerships/{partnership}/activity/", description="partnership activity (audit)"),
    Target("p-agreements", "/partnerships/{partnership}/agreements/", optional=True,
           description="the partnership's agreements (40)"),
    Target("agreements", "/agreements/", optional=True, description="agreement list, everything visible"),
    Target("agreement", "/agreements/{agreement_id}/", optional=True,
           description="agreement page: 80 clauses, 160 comments"),
    Target("redline", "/agreements/{agreement_id}/redline/?from=1&to=2", optional=True,
           description="redline between versions 1 and 2"),
    Target("api-orgs", "/api/v1/organisations", description="API: organisations"),
    Target("api-partnerships", "/api/v1/partnerships", description="API: partnerships"),
    Target("api-decisions", "/api/v1/partnerships/{partnership}/decisions", description="API: decisions"),
    Target("api-audit", "/api/v1/audit-events", description="API: audit events"),
    Target("api-agreements", "/api/v1/agreements", optional=True, description="API: agreements"),
    # Issue 5: delivery. Bench Network has about 550 work items, 2,400 contributions and 30 risks at every scale.
    Target("work", "/partnerships/{partnership}/work/", optional=True,
           description="work programme list (about 550 items, paginated)"),
    Target("timeline", "/partnerships/{partnership}/work/timeline/", optional=True,
           description="work programme timeline (chart data and table)"),
    Target("investment", "/partnerships/{partnership}/investment/", optional=True,
           description="investment by partner and sector, committed vs contributed (2,400 contributions)"),
    Target("risks", "/partnerships/{partnership}/risks/", optional=True,
           description="risk register and heat map (30 risks)"),
    Target("contributions", "/partnerships/{partnership}/contributions/", optional=True,
           description="contributions ledger (2,400, paginated)"),
    Target("my-work", "/my-work/", optional=True, description="my organisations' work and my volunteering"),
    Target("api-contributions", "/api/v1/partnerships/{partnership}/contributions", optional=True,
           description="API: contributions"),
    Target("api-work-items", "/api/v1/partnerships/{partnership}/work-items", optional=True,
           description="API: work items"),
    Target("programme", "/programmes/{programme_id}/", optional=True,
           description="Bench Network's programme: the tree of about 420 items"),
    Target("work-item", "/work/{work_item_id}/", optional=True, description="one task: links, volunteers"),
    Target("volunteer", "/volunteer/", optional=True, description="volunteer opportunities (every public partnership)"),
    Target("meetings", "/partnerships/{partnership}/meetings/", optional=True, description="review meetings"),
    Target("meeting", "/meetings/{meeting_id}/", optional=True, description="the next review and its agenda"),
    Target("risk", "/risks/{risk_id}/", optional=True, description="one risk"),
    Target("contribution", "/contributions/{contribution_id}/", optional=True, description="one contribution"),
    Target("api-risks", "/api/v1/partnerships/{partnership}/risks", optional=True, description="API: risks"),
    # Issue 6: the evaluation framework. Bench Network's framework has 40 indicators over 36 monthly
    # periods (38 reported by partners, 2 fed by a feedback form of more than 100,000 responses) at every scale.
    Target("scorecard", "/partnerships/{partnership}/evaluation/scorecard/", optional=True,
           description="partnership scorecard: 40 indicators × 36 months, charts and tables"),
    Target("indicator", "/indicators/{indicator_id}/", optional=True,
           description="one indicator: trend, targets, the thread to work and contributions"),
    Target("measurements", "/partnerships/{partnership}/evaluation/measurements/", optional=True,
           description="measurement list (about 1,300, paginated)"),
    Target("partner-report", "/requirements/{requirement_id}/report/", optional=True,
           description="the bench organisation's own report (12 mapped indicators, quarterly)"),
    Target("open-data-csv", "/open-data/{partnership}.csv", auth=False, optional=True,
           description="published indicators as CSV, anonymous"),
    Target("feedback-form", "/feedback/{feedback_channel}/", auth=False, optional=True,
           description="the public feedback form, anonymous"),
    Target("api-scorecard", "/api/v1/partnerships/{partnership}/evaluation/scorecard", optional=True,
           description="API: the partnership scorecard"),
]


def select(names: str | None) -> list[Target]:
    """The targets named (comma-separated), always with the floor first."""
    if not names:
        return list(TARGETS)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {t.name: t for t in TARGETS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"Unknown target(s): {', '.join(unknown)}. Known: {', '.join(known)}")
    chosen = [known[FLOOR]] + [known[n] for n in wanted if n != FLOOR]
    return chosen
