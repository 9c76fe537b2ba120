"""Demonstration SOPs, laboratories, trainings and engagements for a local try-out (`make run`).

Everything it creates is marked `is_demo` and says so on the pages. Refused unless DEBUG is on.
"""

import datetime
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reference.models import Country, ExtractionMethod, Pollutant
from sops.models import Engagement, Laboratory, Sop, SopVersion, TrainingEvent
from sops.services import training_record_attendance

LABS = [
    ("Demo soil laboratory Nairobi", "KEN"),
    ("Demo soil laboratory Accra", "GHA"),
    ("Demo soil laboratory Brasília", "BRA"),
    ("Demo soil laboratory Lima", "PER"),
    ("Demo soil laboratory Hanoi", "VNM"),
    ("Demo soil laboratory Bonn", "DEU"),
    ("Demo soil laboratory Suva", "FJI"),
]
# code, title, analyte group, technique, extraction method, pollutants
SOPS = [
    (
        "demo-sop-aqua-regia",
        "DEMO: Heavy metals by aqua regia digestion and ICP-OES",
        "total_metals",
        "icp_oes",
        "aqua_regia",
        ["cadmium", "lead", "zinc", "copper", "nickel", "chromium"],
    ),  # noqa: E501
    (
        "demo-sop-nh4no3",
        "DEMO: Bioavailable heavy metals by NH4NO3 extraction and ICP-MS",
        "bioavailable_metals",
        "icp_ms",
        "nh4no3",
        ["cadmium", "lead", "zinc"],
    ),  # noqa: E501
    (
        "demo-sop-ocp-gcms",
        "DEMO: Obsolete organochlorine pesticides by GC-MS",
        "obsolete_pesticides",
        "gc_ms",
        None,
        ["ddt", "ddt-total", "aldrin", "alpha-hch", "beta-hch"],
    ),  # noqa: E501
]


def _pdf(title: str) -> bytes:
    """A one-page PDF that says it is a demonstration."""
    text = f"(DEMONSTRATION DOCUMENT: {title}) Tj".encode("latin-1", "replace")
    stream = b"BT /F1 12 Tf 40 780 Td " + text + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",  # noqa: E501
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


class Command(BaseCommand):
    help = "Create demonstration SOPs, laboratories and trainings (local use only; marked as demo)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo SOPs are made-up data: they are created only with DEBUG on.")
        if Sop.objects.filter(is_demo=True).exists():
            self.stdout.write("Demo SOPs: already there.")
            return
        labs = [
            Laboratory.objects.create(
                name=name, country=Country.objects.get(iso3=iso3), glosolan_member=True, is_demo=True
            )
            for name, iso3 in LABS
        ]
        sops = []
        for code, title, group, technique, extraction, pollutants in SOPS:
            sop = Sop.objects.create(
                code=code,
                title=title,
                scope="Demonstration record for trying the portal; not an FAO procedure.",
                analyte_group=group,
                technique=technique,
                extraction=ExtractionMethod.objects.filter(code=extraction).first() if extraction else None,
                languages="en,fr,es",
                is_demo=True,
            )
            sop.pollutants.set(Pollutant.objects.filter(slug__in=pollutants))
            for number, (version, day, status) in enumerate(
                [("1.0", datetime.date(2024, 5, 1), "superseded"), ("1.1", datetime.date(2025, 9, 1), "published")]
            ):
                SopVersion.objects.create(
                    sop=sop,
                    version=version,
                    date=day,
                    status=status,
                    change_summary="First version." if number == 0 else "Clarified the blank correction.",
                    file=ContentFile(_pdf(f"{title} v{version}"), name=f"{code}-v{version}.pdf"),
                )
            sops.append(sop)
        # Development by laboratories in four of the five regions (Oceania not yet).
        for lab in labs[:5:2] + [labs[5]]:
            Engagement.objects.create(
                laboratory=lab,
                sop=sops[0],
                level="developed",
                date=datetime.date(2024, 3, 1),
                source="curator",
                note="demo",
            )
        for index, day in enumerate(
            [datetime.date(2025, 2, 10), datetime.date(2025, 10, 20), datetime.date(2026, 6, 5)]
        ):
            training = TrainingEvent.objects.create(
                title=f"DEMO webinar {index + 1} on the harmonised SOPs", kind="webinar", date=day, is_demo=True
            )
            training.sops.set(sops)
            training_record_attendance(training=training, laboratories=labs[index * 2 : index * 2 + 3])
        self.stdout.write(f"Demo SOPs: {len(sops)} SOPs, {len(labs)} laboratories, 3 trainings.")
