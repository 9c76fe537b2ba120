"""/api/v1/ links every resource of the API at its API address (not a page of the same name, as the
SOP list once was), stats/kpis included, and every link answers JSON."""

import pytest

pytestmark = pytest.mark.django_db

SIGNED_IN_ONLY = {"survey-responses"}


def _links(client) -> dict[str, str]:
    root = client.get("/api/v1/")
    assert root.status_code == 200 and root["Content-Type"].startswith("application/json")
    return root.json()


def test_every_link_of_the_root_answers_json(client, curator):
    links = _links(client)  # anonymous first
    assert {"thresholds", "sops", "stats/kpis"} <= set(links)
    for name, url in links.items():
        assert url == f"http://testserver/api/v1/{name}/"
        answer = client.get(url)
        assert answer["Content-Type"].startswith("application/json"), name
        assert answer.status_code == (401 if name in SIGNED_IN_ONLY else 200), name
    client.force_login(curator)
    for name, url in _links(client).items():
        answer = client.get(url)
        assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json"), name


def test_the_root_lists_every_list_the_schema_documents(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    lists = {
        path.removeprefix("/api/v1/").rstrip("/")
        for path, operations in schema["paths"].items()
        if "get" in operations and "{" not in path
    }
    assert lists == set(_links(client))
