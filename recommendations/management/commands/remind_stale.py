"""``manage.py remind_stale``: remind facilitators of recommendations stuck for 90 days."""

from django.core.management.base import BaseCommand

from recommendations.notifications import queue_stale_reminders


class Command(BaseCommand):
    help = "Queue a reminder to each facilitator of recommendations with no update in 90 days."

    def handle(self, *args, **options):
        count = queue_stale_reminders()
        self.stdout.write(f"Queued {count} reminder{'s' if count != 1 else ''}.")
