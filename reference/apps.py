from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ReferenceConfig(AppConfig):
    name = "reference"
    verbose_name = "Reference data"

    def ready(self):
        from reference.models import PollutantSynonym, pollutant_local_names_forget

        # Not a business step: the names pages show are kept per process and read again when a
        # synonym changes, however it changes (admin, import, loader).
        forget = pollutant_local_names_forget
        post_save.connect(forget, sender=PollutantSynonym, dispatch_uid="pollutant-names-saved")
        post_delete.connect(forget, sender=PollutantSynonym, dispatch_uid="pollutant-names-deleted")
