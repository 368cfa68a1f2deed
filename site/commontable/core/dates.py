"""The dates the site accepts: a range every time zone can convert, with room to spare.

Python's dates end at 9999-12-31, so a start late on that day in British
Columbia is already in year 10000 in UTC, where it is stored: converting it
failed with an error, not a message. Nothing the site records (a convening,
a decision, a commitment) is that far off or before 1900, so anything
outside these years is a typing slip, told as such.
"""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError

EARLIEST_YEAR = 1900
LATEST_YEAR = 2999
OUT_OF_RANGE = f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}."


def validate_in_range(value: date | datetime) -> None:
    """Refuse a date, or a date and time, outside the years the site accepts."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


class DateInRangeField(forms.DateField):
    """A date within the years the site accepts."""

    default_validators = [validate_in_range]


class DateTimeInRangeField(forms.DateTimeField):
    """A date and time within the years the site accepts."""

    default_validators = [validate_in_range]
