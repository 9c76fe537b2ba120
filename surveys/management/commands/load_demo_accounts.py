"""Demo accounts and an open survey edition for trying the portal locally (`make run` calls it).

Refused unless DEBUG is on: these passwords are published in the README.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.roles import CURATORS_GROUP
from reference.models import Country
from surveys.models import FocalPoint, SurveyEdition

# username, password, country (None for a curator)
DEMO_ACCOUNTS = [
    ("curator", "insop-demo-curator", None),
    ("focal-germany", "insop-demo-germany", "DEU"),
    ("focal-germany-2", "insop-demo-germany", "DEU"),
    ("focal-kenya", "insop-demo-kenya", "KEN"),
]


class Command(BaseCommand):
    help = "Create the demo curator and focal points and an open survey edition (local use only)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts have published passwords: they are created only with DEBUG on.")
        today = datetime.date.today()
        SurveyEdition.objects.get_or_create(
            year=today.year,
            defaults={
                "title": f"INSOP survey on soil pollutant thresholds {today.year}",
                "introduction": (
                    "This survey collects, for SoiLEX and the INSOP database, whether your country has threshold "
                    "values for soil pollutants, in which legal instruments, and what it needs."
                ),
                "opens_on": datetime.date(today.year, 1, 1),
                "closes_on": datetime.date(today.year + 1, 3, 31),
            },
        )
        User = get_user_model()
        curators = Group.objects.get(name=CURATORS_GROUP)
        created = 0
        for username, password, iso3 in DEMO_ACCOUNTS:
            user, is_new = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org", "first_name": username}
            )
            if is_new:
                user.set_password(password)
                user.is_staff = iso3 is None
                user.save()
                created += 1
            if iso3 is None:
                user.groups.add(curators)
            else:
                FocalPoint.objects.get_or_create(user=user, defaults={"country": Country.objects.get(iso3=iso3)})
        self.stdout.write(f"Demo accounts: {created} created, {len(DEMO_ACCOUNTS) - created} already there.")
