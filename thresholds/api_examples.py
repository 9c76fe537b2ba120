"""Examples for the OpenAPI schema, taken from the seed data (fixtures/seed, with its sources)."""

from drf_spectacular.utils import OpenApiExample

SITE = "http://127.0.0.1:8000"

GB_15618 = {
    "id": 6,
    "api_url": f"{SITE}/api/v1/instruments/6/",
    "title": "GB 15618-2018 Soil environmental quality - Risk control standard for soil contamination of "
    "agricultural land (risk screening values, as tabulated in PMC10338313 Table 1)",
    "year": 2018,
    "status": "in_force",
    "url": "",
}

THRESHOLD = OpenApiExample(
    "Cadmium in Chinese farmland at pH 5.5-6.5",
    response_only=True,
    value={
        "id": 146,
        "url": f"{SITE}/api/v1/thresholds/146/",
        "country": "CHN",
        "country_name": "China",
        "jurisdiction": "",
        "pollutant": {"id": 2, "name": "Cadmium", "cas": "7440-43-9", "group": "metal"},
        "value": "0.3",
        "qualifier": "=",
        "unit": "mg/kg",
        "unit_basis": "",
        "value_mg_kg": 0.3,
        "land_use": "agricultural",
        "land_use_label": "agricultural",
        "tier": "precautionary",
        "tier_label": "risk screening",
        "basis": "",
        "conditions": {
            "ph_min": 5.5,
            "ph_max": 6.5,
            "ph_min_exclusive": True,
            "ph_max_exclusive": False,
            "texture": "",
            "clay_min": None,
            "clay_max": None,
            "toc_min": None,
            "toc_max": None,
            "cec_min": None,
            "cec_max": None,
            "crop": "",
            "depth": "",
            "extraction": None,
            "note": "5.5<pH<=6.5; other agricultural land (其他, not the paddy-field column)",
        },
        "instrument": GB_15618,
        "source_url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC10338313/table/tbl1",
        "provenance": None,
        "how_to_measure": None,
        "status": "published",
        "verification": "unverified",
        "updated_at": "2026-11-24T00:36:32.893609Z",
    },
)

THRESHOLD_WRITE = OpenApiExample(
    "A value in the import template's columns",
    request_only=True,
    value={
        "country": "CHN",
        "instrument": "GB 15618-2018",
        "pollutant": "Cadmium",
        "land_use": "agricultural",
        "land_use_label": "paddy field",
        "tier": "precautionary",
        "tier_label": "risk screening",
        "value": "0.4",
        "unit": "mg/kg",
        "condition": "5.5<pH<=6.5",
        "source_url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC10338313/table/tbl1",
    },
)

INSTRUMENT = OpenApiExample(
    "China's agricultural soil standard",
    response_only=True,
    value={
        "id": 6,
        "api_url": f"{SITE}/api/v1/instruments/6/",
        "country": "CHN",
        "country_name": "China",
        "jurisdiction": "",
        "title": GB_15618["title"],
        "title_en": "",
        "short_name": "GB 15618-2018",
        "instrument_type": "standard",
        "binding": "binding",
        "issuing_body": "Ministry of Ecology and Environment of the P.R. China",
        "year": 2018,
        "date_in_force": None,
        "status": "in_force",
        "url": "",
        "faolex_id": "",
        "language": "zh",
        "notes": "",
        "supersedes": None,
        "withdrawn": False,
        "value_count": 28,
        "updated_at": "2026-11-24T00:36:32.742635Z",
    },
)

INSTRUMENT_WRITE = OpenApiExample(
    "A new instrument",
    request_only=True,
    value={
        "country": "FRA",
        "title": "Arrêté relatif aux valeurs de référence des sols agricoles",
        "instrument_type": "regulation",
        "binding": "binding",
        "year": 2026,
        "status": "draft",
        "language": "fr",
    },
)

COUNTRY = OpenApiExample(
    "China, with its coverage",
    response_only=True,
    value={
        "iso3": "CHN",
        "iso2": "CN",
        "numeric": "156",
        "name": "China",
        "official_name": "People's Republic of China",
        "kind": "country",
        "un_member": True,
        "m49_region": "Asia",
        "m49_subregion": "Eastern Asia",
        "gsp_partnership": "asian",
        "coverage": {
            "instruments": 3,
            "values": 60,
            "values_by_group": {"metal": 60},
            "national_values": 60,
            "supranational_values": 0,
        },
    },
)
