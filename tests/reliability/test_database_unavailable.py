"""While the database cannot be reached, pages and the API answer 503 with Retry-After, never 500.
(test_fault_drills.py restarts a real PostgreSQL under load.)"""

import pytest
from django.db import OperationalError

from indicators import views
from thresholds.api import ThresholdValueViewSet


def unreachable(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


@pytest.mark.django_db
def test_the_api_answers_503_in_its_error_shape(client, monkeypatch):
    monkeypatch.setattr(ThresholdValueViewSet, "list", unreachable)
    response = client.get("/api/v1/thresholds/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["code"] == "database_unavailable" and "nothing was changed" in response.json()["detail"]


@pytest.mark.django_db
def test_a_page_answers_503(client, monkeypatch):
    monkeypatch.setattr(views, "countries_on_the_map", unreachable)
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "database is unavailable" in response.content.decode()
