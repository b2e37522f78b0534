"""First guesses at the visibility area of a new row of the matrix (used only when rewriting the table).

The area decides what the oracles demand: an outsider never gets a ✓ for an area in
`visibility_matrix.CLOSED`. A guess is a starting point; whoever rewrites the table reads it.
"""

from __future__ import annotations

import re

# Forms and actions for the partners. Their GET shows the form with who may use it to anyone who
# may see the partnership; the write itself is refused by the service (the API's write rows).
PARTNER_FORMS = re.compile(
    r":(create|edit|invite|partner_remove|partner_withdraw|publication|charter_edit|decision_create|position|"
    r"decision_close|decision_rationale|activity|clause_\w+|comment_\w+|commitment_\w+|amend|amendment_decide|"
    r"new_round|send_for_signature|vary|end|review|sign|decline|adopt|item_\w+|signup_decide|import|export|"
    r"correct|withdraw|evidence|rates|accept|close|cancel|refresh_agenda|channel_\w+|response_hide|"
    r"outcome_\w+|indicator_\w+|requirement\w*|report\w*|open_data_settings|representatives|"
    r"representative_end|hand_over)`$")

# Partners' forms whose page anyone who may see the partnership can open: it shows the form,
# says who may use it, and the service refuses the write to anyone else. It must show no
# partners-only text (the second oracle), and nothing of a private partnership.
FORM_PAGES = {
    "network:partner_withdraw", "agreements:create", "programme:create", "programme:item_create",
    "programme:item_status", "contributions:create", "contributions:import", "risks:create", "meetings:create",
    "feedback:channel_create", "feedback:channel_edit", "evaluation:edit", "evaluation:adopt",
    "evaluation:outcome_create", "evaluation:outcome_edit", "evaluation:indicator_create",
    "evaluation:indicator_edit", "evaluation:indicator_targets", "evaluation:indicator_links", "evaluation:report",
    "evaluation:import",
}


def _agreement_area(world) -> str:
    if world is None:
        return "agreements"
    return "agreements" if world.agreement.status in ("in_force", "ended", "expired") else "drafts"


def guess(row, world) -> str:
    key = row.key
    if key == "page `admin:login`":
        return "account"
    if key.startswith("page `admin:"):
        return "staff"
    if key.startswith("page `account_") or key.startswith("page `mfa_"):
        return "account"
    if key.startswith("page `"):
        name = key[len("page `"):-1]
        app = name.split(":")[0]
        if app in ("notifications", "accounts") or name in ("core:dashboard", "programme:my_work",
                                                            "network:invitations", "network:invitation"):
            return "personal"
        if name in ("core:home", "core:healthz", "set_language", "network:list", "network:map", "network:map_data",
                    "network:partnership", "network:partnership_map", "agreements:find", "agreements:verify",
                    "programme:volunteer_opportunities", "feedback:public_form", "feedback:thanks",
                    "organisations:directory", "organisations:detail", "evaluation:open_data_index",
                    "evaluation:open_data", "evaluation:open_data_csv", "evaluation:open_data_json",
                    "organisations:create", "network:create", "programme:signup", "contributions:volunteer_hours",
                    "network:publication", "feedback:channels"):
            return "public"
        if name in ("agreements:comment_add", "agreements:comment_reply", "agreements:comment_resolve"):
            return "comments"
        if name in ("agreements:position", "network:position"):
            return "positions"
        if name in ("agreements:amend", "agreements:amendment_decide"):
            return "amendments"
        if name in ("agreements:history", "agreements:redline"):
            return "drafts"
        if name in ("agreements:version", "agreements:version_pdf"):
            return _agreement_area(world)  # an earlier, negotiated version is refused where drafts are
        if name == "evaluation:commitment_thread":
            return "scorecards"
        if name == "meetings:minutes":
            return "minutes"
        if PARTNER_FORMS.search(key) or name.startswith("organisations:"):
            return "forms" if name in FORM_PAGES else "partners"
        if app == "agreements":
            return "agreements" if name in ("agreements:partnership_list", "agreements:reviews_ics") \
                else _agreement_area(world)
        if app == "network":
            return "charter" if "charter" in name else "decisions"
        return {"programme": "work", "contributions": "ledger", "risks": "risks", "meetings": "meetings",
                "feedback": "feedback"}.get(app) or _evaluation_area(name)
    method, path = key.split(" ", 1)
    if method != "GET":
        return "write"
    return _api_area(path, world)


def _evaluation_area(name: str) -> str:
    if "measurement" in name:
        return "measurements"
    return "scorecards"


def _api_area(path: str, world) -> str:
    p = path[len("/api/v1"):]
    if p in ("/me", "/invitations", "/my-work") or p.startswith("/audit-events"):
        return "personal"
    if p in ("/jurisdictions", "/organisations", "/partnerships", "/agreements", "/volunteer-opportunities",
             "/agreements/verify") or p.startswith("/open-data") or p.startswith("/organisations/"):
        return "public"
    if re.search(r"/partnerships/\{slug\}$|/partners$|/publication$|/feedback/channels$", p):
        return "public"
    if "/charter" in p:
        return "charter"
    if "/evaluation/versions" in p:
        return "scorecards"
    if re.match(r"/agreements/\{agreement_id\}/versions", p):
        return _agreement_area(world)
    for part, area in (("/comments", "comments"), ("/amendments", "amendments"), ("/versions", "drafts"),
                       ("/diff", "drafts"), ("/similar", "drafts"), ("/invitations", "partners"),
                       ("/publication", "partners"), ("/charter", "charter"), ("/decisions", "decisions"),
                       ("/contributions", "ledger"), ("/valuation-rates", "ledger"), ("/investment", "ledger"),
                       ("/commitments-vs-actuals", "ledger"), ("/risk", "risks"), ("/meetings", "meetings"),
                       ("/feedback", "feedback"), ("/measurements", "measurements"), ("/requirements", "partners"),
                       ("/evaluation", "scorecards"), ("/programmes", "work"), ("/work-items", "work"),
                       ("/commitments", "agreements")):
        if part in p:
            return area
    if p.startswith("/agreements/") or p.endswith("/agreements"):
        return "agreements" if p.endswith("/agreements") else _agreement_area(world)
    return "?"
