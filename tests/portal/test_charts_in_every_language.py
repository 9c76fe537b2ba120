"""Charts and the map are drawn in every language: their coordinates are numbers an SVG reads (never
the visitor's decimal comma), every mark lies inside its plot, and right-to-left pages mirror the
charts (names on the right) without cutting them off."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# Attributes that hold one number, and those that hold several.
SINGLE = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "rx"}
PAGES = {
    "comparison": "/pollutants/cadmium/?land_use=agricultural&include_superseded=true",
    "home": "/",
    "indicators": "/kpis/",
}


class SvgElements(HTMLParser):
    """Every element inside an <svg>, with its attributes and the text it holds, per top-level svg."""

    def __init__(self):
        super().__init__()
        self.charts: list[list[dict]] = []
        self.depth = 0
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            if self.depth == 0:
                self.charts.append([])
            self.depth += 1
        if self.depth:
            self.current = {"tag": tag, **dict(attrs), "text": ""}
            self.charts[-1].append(self.current)

    def handle_endtag(self, tag):
        if tag == "svg" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.current is not None:
            self.current["text"] += data


def _charts(client, path: str, language: str) -> list[list[dict]]:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (path, language)
    assert f'lang="{language.lower().replace("_", "-")}"' in response.content.decode().lower()
    parser = SvgElements()
    parser.feed(response.content.decode())
    return [elements for elements in parser.charts if elements[0].get("class") != "swatch"]


def _numbers(element: dict, name: str) -> list[float]:
    value = element[name]
    parts = value.split() if name == "viewbox" else [value]
    if name == "points":
        parts = [number for pair in value.split() for number in pair.split(",")]
    for part in parts:
        assert NUMBER.match(part), f"{element['tag']} {name}={value!r} is not a number an SVG reads"
    return [float(part) for part in parts]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", list(PAGES))
def test_every_coordinate_is_a_number_and_every_mark_inside_its_chart(client, language, page):
    charts = _charts(client, PAGES[page], language)
    assert charts, f"no chart on {page} in {language}"
    for elements in charts:
        root = elements[0]
        _left, _top, width, height = _numbers(root, "viewbox")
        for element in elements:
            for name in (*SINGLE, "points"):
                if name in element and element["tag"] != "svg":
                    _numbers(element, name)
            if element["tag"] in ("use", "circle") and "mark" in element.get("class", "") + " dot":
                x = float(element.get("x", element.get("cx", 0)))
                y = float(element.get("y", element.get("cy", 0)))
                assert 0 <= x <= width and 0 <= y <= height, (page, language, element)
        # Names are drawn whole: every country label inside the drawing, on the side of its language.
        labels = [element for element in elements if element.get("class") == "country"]
        for label in labels:
            assert len(label["text"].strip()) > 1 and 0 <= float(label["x"]) <= width


def _geometry(client, language: str) -> tuple[list[float], list[float]]:
    # The comparison chart: the one with a row per country (the page's distribution charts have none).
    [chart] = [elements for elements in _charts(client, PAGES["comparison"], language) if _has_countries(elements)]
    labels = [float(element["x"]) for element in chart if element.get("class") == "country"]
    marks = [float(element["x"]) for element in chart if element["tag"] == "use"]
    return labels, marks


def _has_countries(elements) -> bool:
    return any(element.get("class") == "country" for element in elements)


def test_right_to_left_mirrors_the_comparison_chart(client):
    labels, marks = _geometry(client, "en")
    assert max(labels) < min(marks)  # names on the left of the plot
    labels, marks = _geometry(client, "ar")
    assert min(labels) > max(marks)  # names on the right, values growing leftwards
    html = client.get(PAGES["comparison"], HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and 'text-anchor="start"' in html


def test_people_read_the_ticks_and_tooltips_in_their_locale(client):
    french = client.get(PAGES["comparison"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get(PAGES["comparison"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'class="tick"[^>]*>0,1<', french) and re.search(r'class="tick"[^>]*>0\.1<', english)
    assert re.search(r'x="\d+\.\d"', french)  # while the coordinates keep their point


def test_right_to_left_runs_the_trend_charts_from_right_to_left(client):
    def first_and_last_dot(language: str) -> tuple[float, float]:
        trend = _charts(client, PAGES["indicators"], language)[0]
        dots = [float(element["cx"]) for element in trend if element["tag"] == "circle"]
        return dots[0], dots[-1]

    first, last = first_and_last_dot("en")
    assert first < last
    first, last = first_and_last_dot("ar")
    assert first > last
