"""How contributions are counted against a commitment, in the commitment's own unit.

A commitment says "10,000 CAD", "500 hours" or "12 sessions". What counts towards it:

- a commitment in a currency (its unit is an ISO 4217 code): the **value** of contributions in
  that currency — money, hours valued at the partnership's rates, in-kind with a stated value;
- a commitment of staff or volunteer hours (or whose unit is hours): the **hours** recorded;
- anything else: the **quantity** of contributions recorded in the same unit (case ignored).

The same rule decides, when a contribution is recorded, whether it can meet a commitment at
all (services.py), and adds up the actuals on the investment page (selectors.py).
"""

from __future__ import annotations

from decimal import Decimal

from . import currencies
from .models import HOUR_KINDS

HOUR_UNITS = {"hour", "hours", "h", "hr", "hrs", "heure", "heures"}

VALUE, HOURS, UNIT = "value", "hours", "unit"


def measure_of(commitment) -> tuple[str, str]:
    """(how, what): ("value", "CAD"), ("hours", "") or ("unit", "sessions")."""
    unit = (commitment.unit or "").strip()
    if currencies.is_known(unit):
        return VALUE, unit.upper()
    if commitment.kind in ("staff_hours", "volunteer_hours") or unit.lower() in HOUR_UNITS:
        return HOURS, ""
    return UNIT, unit.lower()


def counted(measure: tuple[str, str], *, kind: str, currency: str, unit: str, quantity, value) -> Decimal | None:
    """How much of a contribution (or of a group of them) counts towards a commitment; None if it cannot."""
    how, what = measure
    if how == VALUE:
        return value if value is not None and (currency or "").upper() == what else None
    if how == HOURS:
        return quantity if kind in HOUR_KINDS else None
    return quantity if (unit or "").strip().lower() == what else None
