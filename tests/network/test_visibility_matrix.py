"""Every page and API operation, as each audience, on the demo network, against docs/visibility.md.

The rows come from the URL configuration and the OpenAPI document (see visibility_matrix.py), so
a new endpoint is walked without anyone adding it here: its row is missing from the table and the
test says so. Two oracles keep the table itself honest: no outsider (anonymous, signed-in citizen)
gets a ✓ for an area kept among the partners or for anything of a private partnership, and no ✓
an outsider gets contains any of the demo's partners-only text.
"""

from __future__ import annotations

import os

import pytest

from joinery.demo import load_demo

from . import visibility_matrix as vm

pytestmark = pytest.mark.django_db


def guess_area(row: vm.Row, world: vm.World | None) -> str:
    """A first guess at a new row's area, for JOINERY_WRITE_MATRIX=1; the table is then read and corrected."""
    from .matrix_areas import guess

    return guess(row, world)


def test_every_page_and_operation_answers_each_audience_as_docs_visibility_md_says(settings):
    settings.ACCOUNT_RATE_LIMITS = False
    load_demo()
    from joinery.accounts.models import Person
    from joinery.accounts.services import api_token_create

    people = {a: (Person.objects.get(email=e) if e else None) for a, e in vm.AUDIENCES.items()}
    # A personal token of the party's, so the token pages have an object to show (the demo has none).
    api_token_create(actor=people["party"], name="matrix", scope="read")
    worlds = vm.worlds()
    rows = vm.page_rows(worlds, people) + vm.api_rows(worlds, people)
    vm.ask(rows, people, vm.secrets(people))
    by_label = {w.label: w for w in worlds}
    table = vm.read_table()

    if os.environ.get("JOINERY_WRITE_MATRIX"):
        reguess = os.environ["JOINERY_WRITE_MATRIX"] == "guess"  # every area guessed again, not only new rows
        for row in rows:
            known = table.get(row.ident)
            row.area = known["area"] if known and not reguess else guess_area(row, by_label.get(row.world))
        vm.write_table(rows)
        table = vm.read_table()

    differences, leaks = [], []
    for row in rows:
        expected = table.get(row.ident)
        if expected is None:
            differences.append(f"{row.key} on {row.world}: not in docs/visibility.md (got {row.cells})")
            continue
        row.area = expected["area"]
        for audience, got in row.cells.items():
            if expected["cells"].get(audience) != got:
                differences.append(f"{row.key} on {row.world} as {audience}: table says "
                                   f"{expected['cells'].get(audience)!r}, the server answered {got!r}")
        world = by_label.get(row.world)
        private = world is not None and world.private
        for audience in vm.OUTSIDERS:
            got = row.cells[audience]
            if got.startswith("✓") and (vm.closed_to(audience, row.area, private) or "LEAK" in got):
                leaks.append(f"{row.key} on {row.world} ({row.area}) answers {audience}: {row.cells[audience]}")
    stale = set(table) - {r.ident for r in rows}
    differences += [f"{key} on {world}: in docs/visibility.md but no longer walked" for key, world in sorted(stale)]

    assert len(rows) > 500  # every named page and operation, most in more than one world
    assert not leaks, "\n".join(leaks)
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences[:80])
