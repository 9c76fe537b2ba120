"""Examples for the OpenAPI schema, taken from the shipped reference data (fixtures/reference)."""

from drf_spectacular.utils import OpenApiExample

POLLUTANT = OpenApiExample(
    "Cadmium, with its synonyms",
    response_only=True,
    value={
        "id": 2,
        "name": "Cadmium",
        "slug": "cadmium",
        "cas_rn": "7440-43-9",
        "group": "metal",
        "is_pop": False,
        "is_obsolete_pesticide": False,
        "is_hhp": False,
        "flags_source": "",
        "members": [],
        "synonyms": [
            "Cadimi",
            "Cadmio",
            "Cadmiu",
            "Cadmium",
            "Cadmium and its compounds",
            "Cd",
            "Kadm",
            "Kadmium",
            "Kadmiyum",
            "Total cadmium",
            "Κάδμιο",
            "Кадмий",
            "الكادميوم",
            "كادميوم",
            "کادمیوم",
            "แคดเมียม",
            "カドミウム",
            "カドミウム及びその化合物",
            "鎘",
            "镉",
            "카드뮴",
        ],
        "notes": "",
    },
)

UNIT = OpenApiExample(
    "Micrograms per kilogram and the ways sources write it",
    response_only=True,
    value={
        "code": "µg/kg",
        "name": "microgram per kilogram",
        "kind": "mass_fraction",
        "factor_to_mg_kg": "0.001000000000000",
        "aliases": ["mcg/kg", "ng/g", "ug/kg", "µg kg-1", "µg/kg", "µg/kg TM", "µg/kg dry matter", "µg/kg dw"],
    },
)

TIER = OpenApiExample(
    "A harmonised tier",
    response_only=True,
    value={
        "code": "precautionary",
        "name": "Precautionary or screening",
        "description": "Below it no further action is needed; above it the soil deserves attention "
        "(Vorsorgewert, screening value).",
    },
)

COUNTRY = OpenApiExample(
    "Germany",
    response_only=True,
    value={
        "iso3": "DEU",
        "iso2": "DE",
        "numeric": "276",
        "name": "Germany",
        "official_name": "Federal Republic of Germany",
        "kind": "country",
        "un_member": True,
        "m49_region": "Europe",
        "m49_subregion": "Western Europe",
        "gsp_partnership": "european",
    },
)
