"""Structured agreement templates: clause prompts with guidance, not boilerplate to paste.

Seed 003 warns that re-using other partnerships' agreements "might be tempting, but is not
advisable": each clause starts empty with a question the partners answer in their own words.
"""

from django.utils.translation import gettext_lazy as _

CLAUSE_PROMPTS = {
    "purpose": (_("Purpose and shared vision"),
                _("What do the parties want to achieve together that none could achieve alone? Who benefits?")),
    "roles": (_("Roles and responsibilities"),
              _("What does each party do? Who convenes, who leads which stream of work, who facilitates?")),
    "commitments": (_("Commitments"),
                    _("What does each party commit: money, staff hours, volunteer hours, in-kind, data, a service — how much, in what unit, for what period? Record each as a commitment.")),
    "decisions": (_("Decision-making"),
                  _("How do the parties decide together? Refer to the partnership charter's rule, and say what each party may decide alone.")),
    "information": (_("Information sharing and privacy"),
                    _("What information is shared, with whose consent, for what purpose, and how is it protected?")),
    "disputes": (_("Dispute resolution"),
                 _("How are disagreements raised and resolved before they become disputes? Who mediates?")),
    "review": (_("Review, variation and termination"),
               _("When and how is this agreement reviewed? How can it be varied or ended, with what notice?")),
    "funding": (_("Funding"),
                _("How is funding pooled or aligned? For several funders: one application, one report, one set of conditions.")),
    "risk": (_("Risk and innovation"),
             _("Which risks do the parties share, and which risks are they willing to take to try something new?")),
}

TEMPLATES = {
    "": (_("Blank: start with no clauses"), []),
    "partnering": (_("Partnering agreement"),
                   ["purpose", "roles", "commitments", "decisions", "information", "disputes", "risk", "review"]),
    "mou": (_("Memorandum of understanding"), ["purpose", "roles", "decisions", "disputes", "review"]),
    "contribution": (_("Contribution agreement with several funders"),
                     ["purpose", "funding", "commitments", "roles", "decisions", "review"]),
    "protocol": (_("Information-sharing protocol"), ["purpose", "information", "roles", "disputes", "review"]),
}


def template_choices():
    return [(key, label) for key, (label, _keys) in TEMPLATES.items()]


def template_clauses(key: str):
    """(heading, guidance) for each clause of the template."""
    _label, keys = TEMPLATES[key]
    return [(str(CLAUSE_PROMPTS[k][0]), str(CLAUSE_PROMPTS[k][1])) for k in keys]
