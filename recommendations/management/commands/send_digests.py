"""``manage.py send_digests``: queue this week's digests (run it weekly, e.g. from cron)."""

from django.core.management.base import BaseCommand

from recommendations.notifications import queue_digests


class Command(BaseCommand):
    help = "Queue a weekly digest for everyone with news waiting; the task worker sends them."

    def handle(self, *args, **options):
        count = queue_digests()
        self.stdout.write(f"Queued {count} digest{'s' if count != 1 else ''}.")
