import datetime

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SurveyEditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.SurveyEdition"
        django_get_or_create = ("year",)

    # Open today, whatever day the tests run.
    year = factory.LazyFunction(lambda: datetime.date.today().year)
    title = factory.LazyAttribute(lambda edition: f"INSOP survey {edition.year}")
    opens_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    closes_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=60))


def focal_point(username: str, iso3: str):
    """A user who is a focal point of the country `iso3`."""
    from reference.models import Country
    from surveys.models import FocalPoint

    user = UserFactory(username=username, email=f"{username}@example.org")
    FocalPoint.objects.create(user=user, country=Country.objects.get(iso3=iso3))
    return user


# ---- the data: reference rows are looked up in the tables every test database loads -----------------


def _country(iso3: str):
    from reference.models import Country

    return Country.objects.get(iso3=iso3)


class LegalInstrumentFactory(factory.django.DjangoModelFactory):
    """An instrument in force in Italy (a seed country); `iso3="DEU"` or `country=` places it elsewhere."""

    class Meta:
        model = "thresholds.LegalInstrument"

    class Params:
        iso3 = "ITA"

    country = factory.LazyAttribute(lambda instrument: _country(instrument.iso3))
    title = factory.Sequence(lambda n: f"Decree {n} on soil quality")
    year = 2020


class ThresholdValueFactory(factory.django.DjangoModelFactory):
    """A published value, 2 mg/kg of cadmium for agricultural land at the trigger tier, in a new instrument.

    Each call makes a new instrument unless one is given; two values of one instrument need different
    pollutants, labels or conditions (the uniqueness constraint)."""

    class Meta:
        model = "thresholds.ThresholdValue"

    instrument = factory.SubFactory(LegalInstrumentFactory)
    pollutant = factory.LazyFunction(lambda: _reference("Pollutant", name="Cadmium"))
    value_text = "2"
    unit_label = "mg/kg"
    unit = factory.LazyFunction(lambda: _reference("Unit", code="mg/kg"))
    land_use = factory.LazyFunction(lambda: _reference("LandUseClass", code="agricultural"))
    tier = factory.LazyFunction(lambda: _reference("Tier", code="trigger"))
    status = "published"


def _reference(model_name: str, **lookup):
    from django.apps import apps

    return apps.get_model("reference", model_name).objects.get(**lookup)


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """A draft response of Germany (`iso3=` another country) to this year's edition. `focal_point=user`
    makes that user a focal point of the response's country, as `focal_point()` does."""

    class Meta:
        model = "surveys.SurveyResponse"
        skip_postgeneration_save = True

    class Params:
        iso3 = "DEU"

    edition = factory.SubFactory(SurveyEditionFactory)
    country = factory.LazyAttribute(lambda response: _country(response.iso3))

    @factory.post_generation
    def focal_point(response, create, extracted, **kwargs):
        if create and extracted is not None:
            from surveys.models import FocalPoint

            FocalPoint.objects.get_or_create(user=extracted, defaults={"country": response.country})


class LaboratoryFactory(factory.django.DjangoModelFactory):
    """A laboratory in Kenya (`iso3=` another country)."""

    class Meta:
        model = "sops.Laboratory"

    class Params:
        iso3 = "KEN"

    name = factory.Sequence(lambda n: f"Soil laboratory {n}")
    country = factory.LazyAttribute(lambda laboratory: _country(laboratory.iso3))


class SopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sops.Sop"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"glosolan-sop-test-{n}")
    title = "Extractable heavy metals"
    analyte_group = "total_metals"
    technique = "icp_oes"


class SopVersionFactory(factory.django.DjangoModelFactory):
    """A draft version with a small PDF document (drafts need no permission to exist; publishing does)."""

    class Meta:
        model = "sops.SopVersion"

    sop = factory.SubFactory(SopFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    date = datetime.date(2024, 1, 1)
    file = factory.LazyAttribute(lambda version: ContentFile(b"%PDF-1.4 test", f"sop-{version.version}.pdf"))
