from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from thresholds.importing import Decisions
from thresholds.services import ImportRejected, threshold_import


class Command(BaseCommand):
    help = (
        "Import threshold values from an .xlsx or .csv file, all or nothing. --dry-run only reports. "
        "Labels, names and units the curated tables do not hold are proposed (how they would be read and why); "
        "--accept-proposals accepts them, writes them to the tables and flags the values for review."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument(
            "--accept-proposals",
            action="store_true",
            help="accept the matcher's proposals: write them to the curated tables and flag their values for review",
        )

    def handle(self, *args, path: Path, dry_run: bool, user: str | None, accept_proposals: bool, **options):
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
                decisions=Decisions(accept_all=accept_proposals),
            )
        except ImportRejected as exc:
            for problem in exc.plan.problems:
                where = f"row {problem.row}" if problem.row else "file"
                column = f", column {problem.column}" if problem.column else ""
                self.stderr.write(f"{where}{column}: {problem.message}")
            waiting = sum(1 for problem in exc.plan.problems if problem.proposal)
            if waiting and exc.plan.waits_for_proposals:
                raise CommandError(
                    f"{path.name}: {waiting} proposal(s) wait for a curator and nothing else is wrong; nothing was "
                    "written. Check them above, then run again with --accept-proposals (or fix the file)."
                ) from exc
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
        accepted = [use for use in result.plan.proposals if use.accepted]
        if accepted:
            verb = "would be" if dry_run else "were"
            self.stdout.write(f"{len(accepted)} proposal(s) {verb} accepted; their values {verb} flagged for review:")
            for use in accepted:
                self.stdout.write(f"  {use.reading.describe()} -> {use.target}; {len(use.rows)} row(s)")
        if result.batch:
            self.stdout.write(self.style.SUCCESS(f"Committed as import batch #{result.batch.pk}."))
        elif not dry_run:
            self.stdout.write("Nothing to change.")
