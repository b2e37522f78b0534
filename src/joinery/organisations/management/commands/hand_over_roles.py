from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from joinery.accounts.models import Person
from joinery.organisations.models import Organisation
from joinery.organisations.services import representative_hand_over


class Command(BaseCommand):
    help = "Hand every role a leaving person holds for an organisation to a successor."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="short name (slug) of the organisation")
        parser.add_argument("leaving", help="email of the person leaving")
        parser.add_argument("successor", help="email of the successor (must already represent the organisation)")
        parser.add_argument("--as", dest="actor", required=True, help="email of the administrator acting")
        parser.add_argument("--reason", default="")

    def handle(self, *args, **o):
        try:
            org = Organisation.objects.get(slug=o["organisation"])
            people = {k: Person.objects.get(email__iexact=o[k]) for k in ("leaving", "successor", "actor")}
            created = representative_hand_over(actor=people["actor"], organisation=org, leaving=people["leaving"],
                                               successor=people["successor"], reason=o["reason"])
        except (Organisation.DoesNotExist, Person.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"{len(created)} role(s) handed over to {people['successor']}.")
