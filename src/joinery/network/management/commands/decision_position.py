from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from joinery.accounts.models import Person
from joinery.network.decision_rules import Stance
from joinery.network.models import Decision
from joinery.network.services import position_record
from joinery.organisations.models import Organisation


class Command(BaseCommand):
    help = "Record an organisation's position on a decision, as a person who represents it."

    def add_arguments(self, parser):
        parser.add_argument("decision_id", type=int)
        parser.add_argument("--as", dest="email", required=True, help="email of the person acting")
        parser.add_argument("--for", dest="org", required=True, help="short name (slug) of the organisation")
        parser.add_argument("--stance", required=True, choices=Stance.values)
        parser.add_argument("--reason", default="")

    def handle(self, *args, **o):
        try:
            person = Person.objects.get(email__iexact=o["email"])
            org = Organisation.objects.get(slug=o["org"])
            decision = Decision.objects.get(pk=o["decision_id"])
            pos = position_record(actor=person, decision=decision, acting_for=org, stance=o["stance"],
                                  reason=o["reason"])
        except (Person.DoesNotExist, Organisation.DoesNotExist, Decision.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"Recorded: {pos}")
