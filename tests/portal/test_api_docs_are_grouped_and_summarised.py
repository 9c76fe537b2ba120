"""The API documentation (ReDoc, Swagger UI) groups operations by resource and names each in one line:
every operation of the schema has a tag that the schema describes, and a summary."""

import pytest

pytestmark = pytest.mark.django_db

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
def schema(client):
    answer = client.get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200
    return answer.json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_is_under_its_resources_tag(schema):
    described = {tag["name"] for tag in schema["tags"]}
    used = set()
    for name, operation in _operations(schema):
        [tag] = operation["tags"]
        assert tag in described, name
        assert name.split(" ")[1].startswith(f"/api/v1/{tag}/"), name
        used.add(tag)
    assert len(used) > 1 and used == described


def test_every_operation_has_a_one_line_summary(schema):
    missing = [name for name, operation in _operations(schema) if not operation.get("summary")]
    assert missing == []
    for name, operation in _operations(schema):
        assert "\n" not in operation["summary"] and len(operation["summary"]) <= 80, name
