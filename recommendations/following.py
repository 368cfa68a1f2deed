"""What a person may follow, and how often they hear about it.

Declared once, here: the ``Follow`` model's fields and constraints, the
follow form, the follow button and the follows page all read these.
"""

from django.db import models


class FollowKind(models.TextChoices):
    """What a follow names. Each value is also the name of the ``Follow`` field holding it."""

    RECOMMENDATION = "recommendation", "Recommendation"
    ROUND_TABLE = "round_table", "Round table"
    COMMUNITY = "community", "Community"
    TAG = "tag", "Tag"


class FollowFrequency(models.TextChoices):
    """How often a follower hears: at once, or in a weekly digest."""

    IMMEDIATE = "immediate", "Email me each time"
    WEEKLY = "weekly", "A weekly digest"
