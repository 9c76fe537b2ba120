"""Unit spellings the alias table does not have are read by rule: the mass fraction, its factor and its basis."""

from decimal import Decimal

import pytest

from reference.units import factor_to_mg_kg, read_unit, unit_basis

MG_KG = ("mg/kg", Decimal("1"))
UG_KG = ("ug/kg", Decimal("0.001"))
PERCENT = ("percent", Decimal("10000"))

SPELLINGS = [
    # exponent forms
    ("mg/kg", MG_KG, ""),
    ("mg kg-1", MG_KG, ""),
    ("mg kg^-1", MG_KG, ""),
    ("mg·kg⁻¹", MG_KG, ""),
    ("mg.kg-1", MG_KG, ""),
    ("mg kg−1", MG_KG, ""),  # Unicode minus
    ("mg*kg-1", MG_KG, ""),
    ("[mg/kg]", MG_KG, ""),
    ("(mg kg-1)", MG_KG, ""),
    ("mg per kg", MG_KG, ""),
    ("milligrams per kilogram", MG_KG, ""),
    ("MG/KG", MG_KG, ""),
    ("mg/(100 g)", ("mg/hg", Decimal("10")), ""),
    # micro, nano, pico, gram denominators
    ("µg/kg", UG_KG, ""),  # micro sign
    ("μg/kg", UG_KG, ""),  # Greek mu
    ("ug/kg", UG_KG, ""),
    ("mcg/kg", UG_KG, ""),
    ("µg kg-1", UG_KG, ""),
    ("ng/g", ("ng/g", Decimal("0.001")), ""),
    ("ng/kg", ("ng/kg", Decimal("0.000001")), ""),
    ("pg/g", ("pg/g", Decimal("0.000001")), ""),
    ("g/kg", ("g/kg", Decimal("1000")), ""),
    ("mg/g", ("mg/g", Decimal("1000")), ""),
    ("µg/g", ("ug/g", Decimal("1")), ""),
    ("g/t", ("g/t", Decimal("1")), ""),
    # parts per, per cent, per mille
    ("ppm", ("ppm", Decimal("1")), ""),
    ("ppb", ("ppb", Decimal("0.001")), ""),
    ("ppmw", ("ppm", Decimal("1")), ""),
    ("parts per million", ("ppm", Decimal("1")), ""),
    ("ppm (mg/kg)", ("ppm", Decimal("1")), ""),
    ("mg/kg (ppm)", MG_KG, ""),
    ("ppm dry wt", ("ppm", Decimal("1")), "dry"),
    ("%", PERCENT, ""),
    ("% w/w", PERCENT, ""),
    ("wt%", PERCENT, ""),
    ("wt.%", PERCENT, ""),
    ("per cent", PERCENT, ""),
    ("g/100 g", ("g/hg", Decimal("10000")), ""),
    ("mg/100g", ("mg/hg", Decimal("10")), ""),
    ("‰", ("permille", Decimal("1000")), ""),
    # the dry basis, written out or abbreviated, before, after, in brackets, after a comma
    ("mg/kg dry matter", MG_KG, "dry"),
    ("mg/kg of dry matter", MG_KG, "dry"),
    ("mg/kg dry weight", MG_KG, "dry"),
    ("mg/kg on a dry weight basis", MG_KG, "dry"),
    ("mg/kg dry wt.", MG_KG, "dry"),
    ("mg/kg dry mass", MG_KG, "dry"),
    ("mg/kg dry soil", MG_KG, "dry"),
    ("mg/kg d.w.", MG_KG, "dry"),
    ("MG/KG  DW", MG_KG, "dry"),
    ("mg/kg (DW)", MG_KG, "dry"),
    ("mg/kg, dry weight", MG_KG, "dry"),
    ("mg/kg-DW", MG_KG, "dry"),
    ("DW mg/kg", MG_KG, "dry"),
    ("mg kg-1 DM", MG_KG, "dry"),
    ("mg/kg d.m.", MG_KG, "dry"),
    ("[mg/kg TM]", MG_KG, "dry"),
    ("mg/kg TS", MG_KG, "dry"),
    ("mg/kg Trockenmasse", MG_KG, "dry"),
    ("mg/kg DM (Trockenmasse)", MG_KG, "dry"),
    ("mg/kg ds", MG_KG, "dry"),
    ("mg/kg d.s.", MG_KG, "dry"),
    ("mg/kg droge stof", MG_KG, "dry"),
    ("mg/kg p.s.", MG_KG, "dry"),
    ("mg/kg ps", MG_KG, "dry"),
    ("mg/kg peso secco", MG_KG, "dry"),
    ("mg/kg peso seco", MG_KG, "dry"),
    ("mg/kg ss", MG_KG, "dry"),
    ("mg/kg sostanza secca", MG_KG, "dry"),
    ("mg/kg MS", MG_KG, "dry"),
    ("mg/kg m.s.", MG_KG, "dry"),
    ("mg/kg matière sèche", MG_KG, "dry"),
    ("mg/kg materia seca", MG_KG, "dry"),
    ("mg/kg de sol sec", MG_KG, "dry"),
    ("mg/kg suelo seco", MG_KG, "dry"),
    ("mg/kg suchej masy", MG_KG, "dry"),
    ("mg.kg-1 sušiny", MG_KG, "dry"),
    ("mg/kg сухого вещества", MG_KG, "dry"),
    ("мг/кг сухой массы", MG_KG, "dry"),
    ("мг/кг воздушно-сухой массы", MG_KG, "dry"),
    ("mg/kg 干重", MG_KG, "dry"),
    ("mg/kg乾重", MG_KG, "dry"),
    ("mg/kg 干土", MG_KG, "dry"),
    ("mg/kg 乾土", MG_KG, "dry"),
    ("mg/kg 건조중량", MG_KG, "dry"),
    ("µg g-1 DW", ("ug/g", Decimal("1")), "dry"),
    ("µg/kg TM", UG_KG, "dry"),
    ("% DM", PERCENT, "dry"),
    ("g/100 g DM", ("g/hg", Decimal("10000")), "dry"),
    # the fresh basis
    ("mg/kg fresh weight", MG_KG, "fresh"),
    ("mg/kg wet weight", MG_KG, "fresh"),
    ("mg/kg f.w.", MG_KG, "fresh"),
    ("mg/kg FW", MG_KG, "fresh"),
    ("mg/kg ww", MG_KG, "fresh"),
    ("mg/kg fresh matter", MG_KG, "fresh"),
    ("mg/kg FM", MG_KG, "fresh"),
    ("mg/kg Frischmasse", MG_KG, "fresh"),
    ("mg/kg Feuchtmasse", MG_KG, "fresh"),
    ("mg/kg peso fresco", MG_KG, "fresh"),
    ("mg/kg 鲜重", MG_KG, "fresh"),
    # words about the soil that state no basis
    ("mg/kg soil", MG_KG, ""),
    ("mg/kg of soil", MG_KG, ""),
    ("mg/kg sol", MG_KG, ""),
    ("mg/kg Boden", MG_KG, ""),
    ("мг/кг почвы", MG_KG, ""),
    ("mg/kg 土壤", MG_KG, ""),
]


@pytest.mark.parametrize(("written", "expected", "basis"), SPELLINGS, ids=[row[0] for row in SPELLINGS])
def test_a_spelling_is_read_as_its_mass_fraction_and_basis(written, expected, basis):
    expression, factor = expected
    reading = read_unit(written)
    assert (reading.expression, reading.factor_to_mg_kg, reading.basis) == (expression, factor, basis)
    assert reading.factor_to_mg_kg == factor_to_mg_kg(reading.expression)


def test_the_table_covers_at_least_sixty_spellings():
    assert len(SPELLINGS) >= 60


@pytest.mark.parametrize(
    ("written", "factor"),
    [
        ("µg/kg", "0.001"),
        ("%", "10000"),
        ("g/100 g", "10000"),
        ("mg/100g", "10"),
        ("ng/kg", "0.000001"),
        ("g/kg", "1000"),
    ],
)
def test_factors_are_exact_decimals(written, factor):
    read = read_unit(written).factor_to_mg_kg
    assert isinstance(read, Decimal) and read == Decimal(factor)


@pytest.mark.parametrize(
    "written",
    ["mg/kg ms", "mg/kg MS", "mg/kg ds", "mg/kg TM", "mg/kg ps", "mg/kg ss", "mg/kg dm", "mg/kg ts", "mg/kg fm"],
)
def test_a_basis_abbreviation_never_eats_a_unit_symbol(written):
    assert read_unit(written).expression == "mg/kg"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("mg/l", "concentration per volume"),
        ("mg/L", "concentration per volume"),
        ("µg/L", "concentration per volume"),
        ("mg/m³", "concentration per volume"),
        ("mg/m3", "concentration per volume"),
        ("mg/dm3", "concentration per volume"),
        ("mg dm-3", "concentration per volume"),  # "dm" here is the decimetre, not dry matter
        ("% w/v", "concentration per volume"),
        ("g/m²", "per area"),
        ("kg/ha", "per area"),
        ("Bq/kg", "not a mass fraction"),
        ("pCi/g", "not a mass fraction"),
        ("ng TEQ/kg", "not a mass fraction"),
        ("ng I-TEQ/kg", "not a mass fraction"),
        ("% v/v", "not a mass fraction"),
        ("ppmv", "not a mass fraction"),
        ("mg", "not a mass fraction"),
        ("mm/m", "not a mass fraction"),
        ("l/l", "not a mass fraction"),
        ("ppt", "ambiguous"),
        ("mg/kg-1", "ambiguous"),
        ("mg/kg^-1", "ambiguous"),
        ("Mg/kg", "megagram"),
        ("kg/g", "more than 1 kg per kg"),
        ("mg/kg DW FW", "both a dry and a fresh basis"),
        ("ppm (µg/kg)", "not the same unit"),
        ("xyz", 'cannot read the unit "xyz"'),
        ("(", "cannot read"),
        ("1/0", "cannot read"),
        ("kg**kg**kg", "cannot read"),
        ("degC/kg", "cannot read"),
        ("mg/10 g", "reference mass"),
        ("dry weight", "no unit"),
        ("", "no unit given"),
        ("   ", "no unit given"),
        ("mg/kg " + "d" * 60, "more than 60 characters"),
    ],
)
def test_what_is_not_a_mass_fraction_of_soil_is_refused_with_the_reason(written, reason):
    with pytest.raises(ValueError, match=reason):
        read_unit(written)


@pytest.mark.parametrize("not_text", [None, 5, ["mg/kg"], b"mg/kg"])
def test_anything_but_text_is_a_value_error(not_text):
    with pytest.raises(ValueError, match="written as text"):
        read_unit(not_text)


@pytest.mark.parametrize(
    "garbage",
    ["a-b", "mg/kg Pb", "mg/kg 0-30 cm", "((mg", "mg/kg]]", "**", "-1", "kg**99", "mg/kgDW", "%%", "/", "..", "e" * 60],
)
def test_free_text_only_ever_raises_value_error(garbage):
    with pytest.raises(ValueError):
        read_unit(garbage)


def test_the_explanation_says_what_was_read_in_plain_words():
    assert read_unit("mg kg-1 DM").explanation == "mg kg-1 DM: mg/kg, dry matter"
    assert read_unit("µg/kg FW").explanation == "µg/kg FW: ug/kg (= 0.001 mg/kg), fresh matter"
    assert read_unit("ppm").explanation == "ppm: ppm, basis not stated"


def test_each_distinct_spelling_is_read_once():
    read_unit("µg kg-1 d.m.")
    assert read_unit("µg kg-1 d.m.") is read_unit("µg kg-1 d.m.")


@pytest.mark.parametrize(
    ("written", "basis"),
    [
        ("mg/kg TS", "dry"),
        ("mg/kg Trockensubstanz", "dry"),
        ("µg/kg dw", "dry"),
        ("mg/kg FW", "fresh"),
        ("mg/kg", ""),
        ("mg/kg soil", ""),
        ("mg/dm3", ""),
        ("ng TEQ/kg dry matter", "dry"),  # read from the words alone, whatever the unit
        ("mg/kg DW FW", ""),
        (None, ""),
    ],
)
def test_the_basis_is_read_from_the_words_alone(written, basis):
    assert unit_basis(written) == basis


@pytest.mark.parametrize(
    ("text", "expression", "basis"),
    [
        ("毫克/公斤", "mg/kg", ""),
        ("毫克/千克", "mg/kg", ""),
        ("微克/千克", "ug/kg", ""),
        ("มิลลิกรัม/กิโลกรัม", "mg/kg", ""),
        ("В миллиграммах на килограмм", "mg/kg", ""),
        ("miligramos por kilogramo", "mg/kg", ""),
        ("microgramos/kg", "ug/kg", ""),
        ("milligrammes par kilogramme de matière sèche", "mg/kg", "dry"),
        ("mg/kg đất khô", "mg/kg", "dry"),
        ("ミリグラム/キログラム", "mg/kg", ""),
        ("밀리그램/킬로그램", "mg/kg", ""),
        ("mg/kg torrsubstans jord", "mg/kg", "dry"),
        ("mg/kg tørstof", "mg/kg", "dry"),
        ("mg/kg kuiva-ainetta", "mg/kg", "dry"),
    ],
)
def test_unit_names_written_out_in_other_languages_are_read(text, expression, basis):
    reading = read_unit(text)
    assert (reading.expression, reading.basis) == (expression, basis)


@pytest.mark.parametrize("text", ["毫克/升", "миллиграмм на литр", "mg par litre"])
def test_unit_names_per_volume_in_other_languages_are_still_refused(text):
    with pytest.raises(ValueError):
        read_unit(text)
