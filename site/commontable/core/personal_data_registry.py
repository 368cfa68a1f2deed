"""Everything the site keeps about a person, in one registry.

Each app registers the kinds of personal data it holds: what they are, how
to export them, and what deleting the account does to them (removed, or kept
for the organization without the person's name). The registry lives in the
site-wide package and the apps fill it in when they load, so this package
never imports ``convenings`` or ``recommendations``: dependencies keep
pointing one way.

Every kind names the relations to the user model it answers for
(``"app_label.Model.field"``). A test walks the user model's relations and
fails when one is answered for by no kind, so a new foreign key to the user
cannot be left out of the export or the deletion.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

EXPORT_FORMAT = "Common Table personal data, version 1"


@dataclass(frozen=True)
class PersonalData:
    """One kind of data the site keeps about a person.

    ``export`` is None for data that is removed but not worth exporting
    (sessions, emails waiting to be sent). ``kept`` is empty when deleting
    the account removes this data; otherwise it says, for the person, what
    stays and how it loses their name.
    ``notices`` returns what the person should know before deleting (shown on
    the deletion page); ``check`` raises ``ActionRefused`` when the account
    may not be deleted yet.
    """

    key: str
    label: str
    covers: tuple[str, ...]
    export: Callable[[Any], Any] | None
    erase: Callable[[Any], None]
    kept: str = ""
    notices: Callable[[Any], list[str]] | None = None
    check: Callable[[Any], None] | None = None


class PersonalDataRegistry:
    """The kinds of personal data, in the order the apps registered them."""

    def __init__(self) -> None:
        self._kinds: dict[str, PersonalData] = {}

    def register(self, kind: PersonalData) -> PersonalData:
        """Add a kind; its key and the relations it covers must be its own."""
        if kind.key in self._kinds:
            raise ImproperlyConfigured(f"Personal data {kind.key!r} is registered twice.")
        taken = self.covered() & set(kind.covers)
        if taken:
            raise ImproperlyConfigured(f"{', '.join(sorted(taken))} already covered.")
        self._kinds[kind.key] = kind
        return kind

    def __iter__(self) -> Iterator[PersonalData]:
        return iter(self._kinds.values())

    def covered(self) -> set[str]:
        """Every relation to the user model some kind answers for."""
        return {relation for kind in self for relation in kind.covers}

    def removed(self) -> list[PersonalData]:
        """The kinds deleting an account removes."""
        return [kind for kind in self if not kind.kept]

    def kept(self) -> list[PersonalData]:
        """The kinds deleting an account keeps, without the person's name."""
        return [kind for kind in self if kind.kept]

    def export(self, user) -> dict[str, Any]:
        """All of this person's data, ready for JSON (with Django's encoder)."""
        return {
            "format": EXPORT_FORMAT,
            "exported_at": timezone.now(),
            **{kind.key: kind.export(user) for kind in self if kind.export},
        }

    def notices(self, user) -> list[str]:
        """What this person should know before deleting their account."""
        return [notice for kind in self if kind.notices for notice in kind.notices(user)]

    def check(self, user) -> None:
        """Raise ``ActionRefused`` if some rule says this account may not be deleted yet."""
        for kind in self:
            if kind.check:
                kind.check(user)

    def erase(self, user) -> None:
        """Remove or anonymise every kind, in one transaction; the account itself stays."""
        with transaction.atomic():
            for kind in self:
                kind.erase(user)


registry = PersonalDataRegistry()
