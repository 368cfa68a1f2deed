"""Median time of a sign-up with a new address and with one that has an account.

Run from the checkout: ``uv run python tests/load/signup_timing.py [rounds]``.
It migrates a throw-away SQLite database, then signs up ``rounds`` times
(default 9) each way through the full middleware stack and prints the
medians; the two should be close, since both paths hash one password and
send one email.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(rounds: int) -> None:
    database = Path(tempfile.mkdtemp()) / "signup-timing.sqlite3"
    os.environ["SQLITE_PATH"] = str(database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commontable.settings")
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from commontable.models import User

    call_command("migrate", interactive=False, verbosity=0)
    taken = User.objects.create_user(
        "taken@example.org", "a-long-safe-passphrase", display_name="T"
    )
    EmailAddress.objects.create(email=taken.email, user=taken, verified=True, primary=True)
    limits = {**settings.ACCOUNT_RATE_LIMITS, "signup": False}
    mailers = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    timings: dict[str, list[float]] = {"new address": [], "taken address": []}
    with override_settings(
        ACCOUNT_RATE_LIMITS=limits, MAILERS=mailers, ALLOWED_HOSTS=["testserver"]
    ):
        for number in range(rounds):
            for path, email in (
                ("new address", f"new-{number}@example.org"),
                ("taken address", "taken@example.org"),
            ):
                form = {
                    "display_name": "River",
                    "email": email,
                    "password1": "a-long-safe-passphrase",
                    "password2": "a-long-safe-passphrase",
                }
                started = time.perf_counter()
                response = Client().post("/accounts/signup/", form)
                timings[path].append(time.perf_counter() - started)
                assert response.status_code == 302, response.status_code
    for path, seconds in timings.items():
        print(f"{path:>14}: median {statistics.median(seconds) * 1000:6.0f} ms over {rounds}")
    database.unlink()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
