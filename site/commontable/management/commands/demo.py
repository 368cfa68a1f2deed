"""``manage.py demo``: migrate, seed the demo content once, print the accounts, serve.

Places are real British Columbia communities; every organization and person
is fictional. Running it again finds what is there and creates nothing twice.
"""

import subprocess
import sys
import warnings

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from commontable.devtools.demo import DEMO_ACCOUNTS, seed_demo


class Command(BaseCommand):
    help = "Migrate, seed demo content if missing, print demo accounts and serve on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-serve", action="store_true", help="Seed the demo content and exit."
        )
        parser.add_argument(
            "--addrport", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000)."
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        created = seed_demo()
        self.stdout.write(
            self.style.SUCCESS("Demo content created.")
            if created
            else "Demo content was already there; nothing was added."
        )
        self.stdout.write("\nDemo accounts (fictional people; sign in at /accounts/login/):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(
                f"  {account.role:<14} {account.email:<34} password: {account.password}"
            )
            if account.authenticator_key:
                self.stdout.write(f"{'':<51} authenticator key: {account.authenticator_key}")
        self.stdout.write(
            "  Administrators and facilitators also give a code from an authenticator app:\n"
            "  add their key to any TOTP app (type it in where it offers to scan a QR code).\n"
            "  Wagtail admin: /admin/ (administrator or facilitator)\n"
        )
        if options["no_serve"]:
            return
        # The notification worker runs beside the server, so follow-up emails
        # appear on this console as they would be sent. Its log of each task
        # follows LOG_LEVEL (see LOGGING), so the emails are what it prints.
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--backend",
                "notifications",
                "--queue-name",
                "*",
                "--no-startup-delay",
            ],
            cwd=settings.BASE_DIR,
        )
        self.stdout.write("Notification emails are sent by a worker and printed here.")
        # Static files are served from the source folders (WHITENOISE_USE_FINDERS),
        # so the collected folder WhiteNoise warns about is not needed here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
