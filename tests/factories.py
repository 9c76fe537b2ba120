import datetime

import factory
from django.contrib.auth import get_user_model

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
