from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    """The top floor: figures that read every app below (home headline and map, KPIs, survey aggregate).
    No models; nothing imports it but the project's urls."""

    name = "indicators"
    verbose_name = "Indicators"
