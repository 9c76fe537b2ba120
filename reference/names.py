"""Reference-data names the public pages show, marked for translation.

They live in the database (curators may add entries), so makemessages cannot find them in the code;
this list puts them in the catalogs. tests/reference/test_localisation.py checks every name in the
fixtures and in the UN M49 sub-regions is here, so a new code-list entry cannot arrive untranslated.
"""

from django.utils.translation import gettext_noop

M49_REGIONS = [
    gettext_noop("Africa"),
    gettext_noop("Americas"),
    gettext_noop("Asia"),
    gettext_noop("Europe"),
    gettext_noop("Oceania"),
]

M49_SUBREGIONS = [
    gettext_noop("Australia and New Zealand"),
    gettext_noop("Caribbean"),
    gettext_noop("Central America"),
    gettext_noop("Central Asia"),
    gettext_noop("Eastern Africa"),
    gettext_noop("Eastern Asia"),
    gettext_noop("Eastern Europe"),
    gettext_noop("Melanesia"),
    gettext_noop("Micronesia"),
    gettext_noop("Middle Africa"),
    gettext_noop("Northern Africa"),
    gettext_noop("Northern America"),
    gettext_noop("Northern Europe"),
    gettext_noop("Polynesia"),
    gettext_noop("South America"),
    gettext_noop("South-eastern Asia"),
    gettext_noop("Southern Africa"),
    gettext_noop("Southern Asia"),
    gettext_noop("Southern Europe"),
    gettext_noop("Western Africa"),
    gettext_noop("Western Asia"),
    gettext_noop("Western Europe"),
]

CODE_LISTS = [
    # Land uses (fixtures/reference/classes.yaml)
    gettext_noop("Agricultural"),
    gettext_noop("Residential"),
    gettext_noop("Parkland and recreational"),
    gettext_noop("Commercial"),
    gettext_noop("Industrial"),
    gettext_noop("Natural and ecological"),
    gettext_noop("Any land use"),
    # Tiers
    gettext_noop("Background or target"),
    gettext_noop("Precautionary or screening"),
    gettext_noop("Trigger or investigation"),
    gettext_noop("Intervention or action"),
    gettext_noop("Other"),
    # Extraction methods
    gettext_noop("Total content"),
    gettext_noop("Aqua regia"),
    gettext_noop("Nitric acid digestion"),
    gettext_noop("EDTA"),
    gettext_noop("DTPA"),
    gettext_noop("CaCl2"),
    gettext_noop("NH4NO3"),
    gettext_noop("Mehlich-3"),
]

ALL = frozenset(M49_REGIONS + M49_SUBREGIONS + CODE_LISTS)
