import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_use_only_local_assets(client):
    body = client.get("/").content.decode()
    assert 'href="/static/css/portal.css"' in body
    assert "://cdn" not in body and "googleapis" not in body


def test_the_language_switcher_offers_the_six_un_languages_and_switches(client):
    body = client.get("/").content.decode()
    for code in ["en", "fr", "es", "ar", "zh-hans", "ru"]:
        assert f'value="{code}"' in body
    response = client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    assert response.status_code == 302
    assert 'dir="rtl"' in client.get("/").content.decode()


def test_admin_login_page_is_served(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "INSOP portal: curators" in response.content.decode()


def test_a_curator_sees_reference_data_in_the_admin(client, curator):
    client.force_login(curator)
    response = client.get("/admin/reference/pollutant/?q=Kadmium")
    assert response.status_code == 200
    assert "7440-43-9" in response.content.decode()
    assert client.get("/admin/auth/user/").status_code == 403


def test_a_curator_can_add_a_unit_alias_through_the_admin(client, curator):
    from reference.models import Unit
    from reference.selectors import unit_match

    client.force_login(curator)
    unit = Unit.objects.get(code="mg/kg")
    url = f"/admin/reference/unit/{unit.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update({"code": unit.code, "name": unit.name, "kind": unit.kind, "pint_expression": unit.pint_expression})
    aliases = list(unit.aliases.all())
    data.update({"aliases-TOTAL_FORMS": len(aliases) + 1, "aliases-INITIAL_FORMS": len(aliases)})
    for index, alias in enumerate(aliases):
        data.update(
            {
                f"aliases-{index}-id": alias.pk,
                f"aliases-{index}-unit": unit.pk,
                f"aliases-{index}-alias": alias.alias,
            }
        )
    data[f"aliases-{len(aliases)}-alias"] = "mg/kg Trockensubstanz"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert unit_match("MG/KG trockensubstanz") == unit


def test_api_lists_reference_data(client, django_assert_max_num_queries):
    # The page, its count, synonyms, members, and when the list last changed.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/pollutants/", {"group": "metal"})
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert {"Cadmium", "Lead", "Chromium (VI)"} <= names
    assert "Atrazine" not in names

    eu = client.get("/api/v1/countries/EUU/").json()
    assert eu["kind"] == "supranational"
    units = {row["code"]: row for row in client.get("/api/v1/units/").json()}
    assert units["%"]["factor_to_mg_kg"] == "10000.000000000000000"
    assert units["Bq/kg"]["factor_to_mg_kg"] is None
    assert [row["code"] for row in client.get("/api/v1/tiers/").json()][:2] == ["background", "precautionary"]


def test_the_api_is_read_only_for_anonymous_visitors(client):
    assert client.post("/api/v1/pollutants/", {"name": "x"}).status_code in (401, 403)


def test_a_unit_whose_code_has_a_slash_has_a_detail(client):
    assert client.get("/api/v1/units/mg/kg/").json()["code"] == "mg/kg"
    assert client.get("/api/v1/units/Bq/kg/").json()["factor_to_mg_kg"] is None
    assert client.get("/api/v1/units/no/such/unit/").status_code == 404


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("/search/?q=a%00b", False),
        ("/countries/D%00E/", False),
        ("/api/v1/countries/D%00E/", True),
        ("/api/v1/thresholds/?q=cad%00mium", True),
    ],
)
def test_a_nul_byte_in_the_address_is_a_400_that_says_so(client, url, api):
    response = client.get(url)
    assert response.status_code == 400
    if api:
        body = response.json()
        assert body["code"] == "invalid" and "NUL" in body["detail"] and len(body["errors"]) == 1
    else:
        assert "NUL byte" in response.content.decode()
