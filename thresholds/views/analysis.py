"""The analysis page (/analysis/): where the world agrees, over the most regulated pollutants, tier by
tier (thresholds.agreement), as the published analyses of soil guidance values across nations
tabulate them; downloadable as CSV and XLSX with machine-readable numbers."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.conditional import last_changed
from core.spreadsheets import csv_stream, xlsx_bytes
from core.throttling import throttled_for_anonymous
from reference.localisation import collation_key
from reference.models import LandUseClass, Pollutant, Tier
from thresholds.agreement import TierAgreement, world_agreement
from thresholds.distribution import significant
from thresholds.exports import dataset_citation
from thresholds.selectors import DATA_CHANGES, kept_until_changed, thresholds_visible_to, user_sees_drafts

PARAMETERS = ("tier", "land_use", "format")
FORMATS = ("csv", "xlsx")
# The page lists the pollutants set by most jurisdictions; the downloads hold every pollutant.
MOST_REGULATED = 50
# Figures computed from the values (not the values themselves) keep this many significant figures
# in the downloads: enough to recompute anything, never twelve decimals of noise.
DOWNLOAD_DIGITS = 6
COLUMNS = [
    "pollutant",
    "cas_rn",
    "tier",
    "values",
    "jurisdictions",
    "left_out_not_mg_kg",
    "median_mg_kg",
    "geometric_mean_mg_kg",
    "p10_mg_kg",
    "p90_mg_kg",
    "lowest_mg_kg",
    "highest_mg_kg",
    "orders_of_magnitude",
    "page",
]


class BadParameter(ValueError):
    """A parameter the page does not take, or a value it does not know; the message says which."""


@throttled_for_anonymous
def analysis(request):
    tiers, land_uses = list(Tier.objects.all()), list(LandUseClass.objects.all())
    try:
        chosen = _parameters(request.GET, tiers=tiers, land_uses=land_uses)
    except BadParameter as refused:
        return render(
            request, "thresholds/unknown_parameters.html", {"message": str(refused), "path": request.path}, status=400
        )
    scope = "all" if user_sees_drafts(request.user) else "public"
    table = kept_until_changed(
        f"thresholds:analysis:{scope}:{chosen['tier']}:{chosen['land_use']}",
        lambda: _table(thresholds_visible_to(request.user), tier=chosen["tier"], land_use=chosen["land_use"]),
        stamp=last_changed(DATA_CHANGES),
    )
    if chosen["format"]:
        return _download(request, table, chosen)
    query = {name: chosen[name] for name in ("tier", "land_use") if chosen[name]}
    return render(
        request,
        "thresholds/analysis.html",
        {
            "rows": table["rows"][:MOST_REGULATED],
            "pollutants": len(table["rows"]),
            "shown": min(len(table["rows"]), MOST_REGULATED),
            "values": table["values"],
            "left_out": table["left_out"],
            "tiers": tiers,
            "land_uses": land_uses,
            "selected": chosen,
            "downloads": {export: "?" + urlencode({**query, "format": export}) for export in FORMATS},
        },
    )


def _parameters(query, *, tiers: list[Tier], land_uses: list[LandUseClass]) -> dict[str, str]:
    """The page's parameters, each given once and known; BadParameter otherwise."""
    unknown = sorted(set(query) - set(PARAMETERS))
    if unknown:
        raise BadParameter(
            _("Unknown parameter(s) %(unknown)s: this page takes %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(PARAMETERS)}
        )
    known = {"tier": [tier.code for tier in tiers], "land_use": [use.code for use in land_uses], "format": FORMATS}
    chosen = {}
    for name, codes in known.items():
        given = query.getlist(name)
        if len(given) > 1:
            raise BadParameter(
                _("Give %(name)s once; it was given %(count)s times.") % {"name": name, "count": len(given)}
            )
        value = given[0].strip() if given else ""
        if value and value not in codes:
            raise BadParameter(
                _("%(name)s=%(value)s is not known: choose one of %(codes)s.")
                % {"name": name, "value": value[:100], "codes": ", ".join(codes)}
            )
        chosen[name] = value
    return chosen


def _table(values, *, tier: str, land_use: str) -> dict:
    """Each pollutant with its tiers' figures, the pollutants set by most jurisdictions first."""
    found = world_agreement(values, tier=tier, land_use=land_use)
    pollutants = Pollutant.objects.in_bulk(list(found.jurisdictions_by_pollutant))
    rows = [
        {
            "pollutant": pollutants[pollutant_id],
            "jurisdictions": jurisdictions,
            "tiers": found.of_pollutant(pollutant_id),
        }
        for pollutant_id, jurisdictions in found.jurisdictions_by_pollutant.items()
    ]
    rows.sort(key=lambda row: (-row["jurisdictions"], collation_key(row["pollutant"].name)))
    return {"rows": rows, "values": sum(item.values for item in found.tiers), "left_out": found.left_out}


def _download(request, table: dict, chosen: dict[str, str]):
    lines = _lines(request, table["rows"])
    site = request.build_absolute_uri("/")
    stamp = f"{timezone.now():%Y%m%d}"
    if chosen["format"] == "csv":
        response = StreamingHttpResponse(csv_stream(lines, COLUMNS), content_type="text/csv; charset=utf-8")
    else:
        readme = _readme(site_url=site, chosen=chosen, table=table)
        response = HttpResponse(
            xlsx_bytes(lines, COLUMNS, sheet_title="analysis", readme=readme),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="analysis-{stamp}.{chosen["format"]}"'
    # The citation and licence travel with the download, as with the values' exports.
    response["Link"] = f'<{settings.PORTAL_DATA_LICENCE_URL}>; rel="license"'
    response["X-Citation"] = dataset_citation(site)
    return response


def _lines(request, rows: list[dict]) -> list[list[str]]:
    lines = []
    for row in rows:
        pollutant = row["pollutant"]
        page = request.build_absolute_uri(reverse("page-pollutant", args=[pollutant.slug]))
        for item in row["tiers"]:
            lines.append([pollutant.name, pollutant.cas_rn, item.tier.code, *_figures(item), page])
    return lines


def _figures(item: TierAgreement) -> list[str]:
    """The figures as machines read them: a point for decimals, no grouping, whatever the language."""
    return [
        str(item.values),
        str(item.jurisdictions),
        str(item.left_out),
        *(
            _number(significant(number, DOWNLOAD_DIGITS))
            for number in (item.median, item.geometric_mean, item.p10, item.p90)
        ),
        _number(item.low),
        _number(item.high),
        _number(significant(item.orders_of_magnitude, DOWNLOAD_DIGITS)),
    ]


def _number(number: Decimal | None) -> str:
    return "" if number is None else format(number.normalize(), "f")


def _readme(*, site_url: str, chosen: dict[str, str], table: dict) -> list[list[str]]:
    now = timezone.localtime()
    filters = urlencode({name: chosen[name] for name in ("tier", "land_use") if chosen[name]})
    return [
        [_("citation"), dataset_citation(site_url)],
        [_("licence"), f"{settings.PORTAL_DATA_LICENCE} ({settings.PORTAL_DATA_LICENCE_URL})"],
        [_("filters"), filters or _("none (every tier and land use)")],
        [_("exported at"), f"{date_format(now, 'DATETIME_FORMAT')} ({now.isoformat(timespec='seconds')})"],
        [
            _("over"),
            _(
                "%(values)s published values of instruments in force, in mg/kg; %(left_out)s values that do not "
                "convert to mg/kg are left out"
            )
            % {"values": table["values"], "left_out": table["left_out"]},
        ],
        [
            _("figures"),
            _(
                "per pollutant and tier; jurisdictions: a country, or a state or province within it, counted once; "
                "percentiles interpolated linearly (PERCENTILE.INC); orders_of_magnitude: log10(highest / lowest)"
            ),
        ],
        [_("numbers"), _("the data sheet writes numbers with a point for decimals, whatever the language")],
    ]
