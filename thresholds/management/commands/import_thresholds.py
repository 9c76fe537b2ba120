from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from thresholds.services import ImportRejected, threshold_import


class Command(BaseCommand):
    help = "Import threshold values from an .xlsx or .csv file, all or nothing. --dry-run only reports."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
        parser.add_argument("--user", help="username recorded as the importer")

    def handle(self, *args, path: Path, dry_run: bool, user: str | None, **options):
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user named {user!r}.")
        show = options["verbosity"] > 0
        bars = {
            "checked": tqdm(desc="checking", unit=" rows", disable=not show),
            "written": tqdm(desc="writing", unit=" rows", disable=not show or dry_run),
        }
        try:
            result = threshold_import(
                file_name=path.name,
                content=path.read_bytes(),
                user=importer,
                dry_run=dry_run,
                progress=lambda kind, count: bars[kind].update(count),
            )
        except ImportRejected as exc:
            for problem in exc.plan.problems:
                where = f"row {problem.row}" if problem.row else "file"
                column = f", column {problem.column}" if problem.column else ""
                self.stderr.write(f"{where}{column}: {problem.message}")
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"The import stopped: the database connection failed ({exc}). Nothing was written and the "
                "import batch is marked failed; run the command again once the database is back."
            ) from exc
        finally:
            for bar in bars.values():
                bar.close()
        summary = result.plan.summary()
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{summary['rows']} rows: {summary['create']} {verb} created, {summary['update']} {verb} updated, "
            f"{summary['unchanged']} unchanged; {summary['instruments_create']} new instrument(s)."
        )
        if result.batch:
            self.stdout.write(self.style.SUCCESS(f"Committed as import batch #{result.batch.pk}."))
        elif not dry_run:
            self.stdout.write("Nothing to change.")
