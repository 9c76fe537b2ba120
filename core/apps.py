from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: what every app shares and nothing domain-specific. No models."""

    name = "core"
    verbose_name = "Core"
