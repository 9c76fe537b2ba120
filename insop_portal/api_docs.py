"""How the API documentation (/api/redoc/, /api/docs/, the schema at /api/schema/) groups and names the
operations: one tag per resource, read from the path (`/api/v1/thresholds/{id}/` is under
"thresholds"), and a one-line summary for each operation. A drf-spectacular postprocessing hook;
tests/portal/test_api_docs_are_grouped_and_summarised.py fails when an operation has no summary here."""

from __future__ import annotations

API_PREFIX = "/api/v1/"

# In the order the documentation lists them.
TAGS = [
    {"name": "thresholds", "description": "Threshold values, with filters, downloads and curators' writes."},
    {"name": "instruments", "description": "The laws, regulations, standards and guidelines that set them."},
    {"name": "countries", "description": "Countries and territories, with what the portal holds for each."},
    {"name": "pollutants", "description": "Pollutants, with synonyms and the members of sums."},
    {"name": "units", "description": "Units of concentration, with their factor to mg/kg."},
    {"name": "land-uses", "description": "The harmonised land-use classes."},
    {"name": "tiers", "description": "The harmonised tiers (what a value triggers)."},
    {"name": "extraction-methods", "description": "The harmonised extraction methods."},
    {"name": "sops", "description": "Harmonised standard operating procedures and their versions."},
    {"name": "laboratories", "description": "Soil laboratories."},
    {"name": "survey-responses", "description": "Responses to the survey of national focal points (signed in)."},
    {"name": "check", "description": "Check soil samples against the threshold values that apply to their soil."},
    {"name": "stats", "description": "The INSOP action plan's indicators."},
    {"name": "auth", "description": "API tokens for scripts that write."},
]

SUMMARIES = {
    ("get", "/api/v1/thresholds/"): "List threshold values",
    ("post", "/api/v1/thresholds/"): "Add a threshold value",
    ("get", "/api/v1/thresholds/{id}/"): "Get one threshold value",
    ("patch", "/api/v1/thresholds/{id}/"): "Change a threshold value",
    ("post", "/api/v1/thresholds/{id}/withdraw/"): "Withdraw a threshold value",
    ("get", "/api/v1/instruments/"): "List legal instruments",
    ("post", "/api/v1/instruments/"): "Add a legal instrument",
    ("get", "/api/v1/instruments/{id}/"): "Get one legal instrument",
    ("patch", "/api/v1/instruments/{id}/"): "Change a legal instrument",
    ("post", "/api/v1/instruments/{id}/withdraw/"): "Withdraw an instrument with its values",
    ("get", "/api/v1/countries/"): "List countries with their coverage",
    ("get", "/api/v1/countries/{iso3}/"): "Get one country with its coverage",
    ("get", "/api/v1/pollutants/"): "List pollutants",
    ("get", "/api/v1/pollutants/{id}/"): "Get one pollutant",
    ("get", "/api/v1/units/"): "List units",
    ("get", "/api/v1/units/{code}/"): "Get one unit",
    ("get", "/api/v1/land-uses/"): "List land-use classes",
    ("get", "/api/v1/land-uses/{code}/"): "Get one land-use class",
    ("get", "/api/v1/tiers/"): "List tiers",
    ("get", "/api/v1/tiers/{code}/"): "Get one tier",
    ("get", "/api/v1/extraction-methods/"): "List extraction methods",
    ("get", "/api/v1/extraction-methods/{code}/"): "Get one extraction method",
    ("get", "/api/v1/sops/"): "List SOPs",
    ("get", "/api/v1/sops/{code}/"): "Get one SOP with its versions",
    ("get", "/api/v1/laboratories/"): "List laboratories",
    ("get", "/api/v1/laboratories/{id}/"): "Get one laboratory",
    ("get", "/api/v1/survey-responses/"): "List survey responses",
    ("get", "/api/v1/survey-responses/{id}/"): "Get one survey response",
    ("get", "/api/v1/stats/kpis/"): "Get the action plan's indicators",
    ("post", "/api/v1/auth/token/"): "Get an API token",
    ("post", "/api/v1/check/"): "Check soil samples against the world's threshold values",
}

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def tag_and_summarise(result, generator, request, public):
    """drf-spectacular hook: each operation under its resource's tag, with its summary (one an
    operation already has, from extend_schema, is kept)."""
    for path, operations in result.get("paths", {}).items():
        resource = path.removeprefix(API_PREFIX).split("/", 1)[0]
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            operation["tags"] = [resource]
            summary = SUMMARIES.get((method, path))
            if summary and not operation.get("summary"):
                operation["summary"] = summary
    result["tags"] = TAGS
    return result
