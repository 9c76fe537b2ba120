from django.core.management.base import BaseCommand

from thresholds.services import import_batches_recover


class Command(BaseCommand):
    help = (
        "Mark as failed the imports left running by a process that died (killed, restarted, cut off from "
        "the database). Nothing of theirs was written. Every import and the admin's list of imports do this too."
    )

    def handle(self, *args, **options):
        gone = import_batches_recover()
        if gone:
            self.stdout.write(f"Marked failed: import batch(es) {', '.join(f'#{pk}' for pk in gone)}.")
        else:
            self.stdout.write("No import was left running.")
