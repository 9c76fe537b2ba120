"""A focal point fills in, saves and submits the survey in Arabic and in Chinese, in a real browser:
the pages speak the language (right to left in Arabic), a Chinese pollutant name is read, and the
response reaches the curators."""

import datetime

import pytest
from django.utils import translation

from tests.factories import PASSWORD, focal_point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAVED = "Saved. You can come back and continue at any time."
SUBMITTED = "Submitted. The curators have been told; the response is locked until they reply."


def _text(language: str, message: str) -> str:
    """The message in `language`, which must have a translation of its own (the page is in it)."""
    with translation.override(language):
        translated = translation.gettext(message)
    assert translated != message, f"no {language} translation of {message!r}"
    return translated


@pytest.mark.parametrize("language, direction", [("ar", "rtl"), ("zh-hans", "ltr")])
def test_a_focal_point_fills_saves_and_submits_the_survey_in_their_language(
    browser, portal_server, language, direction
):
    from django.contrib.auth.models import Group

    from surveys.models import ResponseValue, SurveyEdition, SurveyResponse

    today = datetime.date.today()
    SurveyEdition.objects.get_or_create(
        year=today.year,
        defaults={
            "title": f"INSOP survey {today.year}",
            "opens_on": today - datetime.timedelta(days=30),
            "closes_on": today + datetime.timedelta(days=60),
        },
    )
    Group.objects.get_or_create(name="Curators")
    # Countries with no values in the seed: the response starts empty.
    country = "EGY" if language == "ar" else "SGP"
    username = f"fp-{language}"
    focal_point(username, country)
    context = browser.new_context(
        base_url=portal_server.url, locale=language, extra_http_headers={"Accept-Language": language}
    )
    page = context.new_page()

    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator("html").get_attribute("lang").lower() == language
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    response_url = page.url
    assert "/survey/responses/" in response_url
    assert _text(language, "Submit the response for review") in page.content()

    # A. The situation, saved in the focal point's language.
    page.goto(response_url + "a/")
    page.locator("input[name=situation][value=binding]").check()
    page.locator("input[name=land_uses]").first.check()
    page.locator("form button[type=submit]", has_text=_text(language, "Save")).first.click()
    assert _text(language, SAVED) in page.locator(".notices").inner_text()

    # B. An instrument; C. pasted values, one of them with a unit nobody writes: explained in the language.
    page.goto(response_url + "b/")
    page.locator("input[name$=title]").first.fill("土壤污染风险管控标准" if language == "zh-hans" else "قانون البيئة")
    page.locator("input[name$=year]").first.fill("2018")
    page.locator("form button[type=submit]", has_text=_text(language, "Save")).first.click()
    assert _text(language, SAVED) in page.locator(".notices").inner_text()
    page.goto(response_url + "c/")
    page.locator("#id_paste-instrument").select_option(index=1)
    page.locator("#id_paste-rows").fill(
        "pollutant\tland use\ttier\tvalue\tunit\n镉\tagricultural\tprecautionary\t0.3\tmg/kg\n"
        "Lead\tagricultural\tprecautionary\t100\tmg/kg\n"
    )
    page.locator("form button[type=submit]", has_text=_text(language, "Add the pasted rows")).click()
    assert _text(language, SAVED) in page.locator(".notices").inner_text()
    assert page.locator("table.survey-values tbody tr").count() >= 2

    # D. The process, then submit.
    page.goto(response_url + "d/")
    page.locator("input[name=working_towards_adoption][value=yes]").check()
    page.locator("form button[type=submit]", has_text=_text(language, "Save")).first.click()
    page.goto(response_url)
    page.get_by_role("button", name=_text(language, "Submit the response for review")).click()
    assert _text(language, SUBMITTED) in page.locator(".notices").inner_text()
    assert page.locator("html").get_attribute("dir") == direction
    response = SurveyResponse.objects.get(country__iso3=country)
    assert response.status == SurveyResponse.Status.SUBMITTED
    assert ResponseValue.objects.filter(instrument__response=response).count() == 2
    context.close()
