"""``manage.py seed_scale``: fill the database with synthetic data at a province's scale."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from commontable.devtools.scale import (
    EMAIL_DOMAIN,
    PASSWORD,
    Scale,
    ScaleSeeder,
    flush_content,
    has_content,
)


class Command(BaseCommand):
    help = (
        "Seed deterministic synthetic data for load tests: the standard scale is 100 "
        "communities, 200 round tables, 3,000 convenings, 30,000 needs and 5,000 "
        "recommendations. Refuses a database that already has content unless --flush."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default="standard",
            help="standard, small (a tenth) or a factor of the standard scale, e.g. 0.5.",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed gives the same data."
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete the existing communities, organizations, round tables, needs and "
            "seeded accounts first.",
        )

    def handle(self, *args, **options):
        try:
            scale = Scale.named(options["scale"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        started = time.monotonic()
        if has_content():
            if not options["flush"]:
                raise CommandError(
                    "This database already has content (communities, organizations, round "
                    "tables or needs). Seed an empty database, or add --flush to delete that "
                    "content first."
                )
            self.stdout.write("Deleting the existing content…")
            flush_content(progress=self.stdout.write)
        self.stdout.write(
            f"Seeding on {connection.vendor} ({connection.settings_dict['NAME']}): "
            + ", ".join(
                f"{value:,} {name.replace('_', ' ')}" for name, value in vars(scale).items()
            )
        )
        counts = ScaleSeeder(scale, seed=options["seed"], progress=self.stdout.write).run()
        if connection.vendor == "postgresql":
            # Statistics for the planner after a bulk load (and, outside a transaction,
            # the visibility map that index-only scans need).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {elapsed:.1f} s: "
                + ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items())
            )
        )
        self.stdout.write(
            f"Accounts: member-00001@{EMAIL_DOMAIN} … (every one's password is {PASSWORD!r})."
        )
