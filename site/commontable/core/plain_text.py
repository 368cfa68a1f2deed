"""Plain text: what typed text may hold, and plain text into and out of rich text fields.

Typed text reaches Atom feeds (XML 1.0), calendars (iCalendar) and email
headers, none of which can carry control characters: one stage note holding
a vertical tab made every feed that included it fail. So every free-text
field keeps only what all of them can carry, by one rule declared here:
control characters are invisible and never meant, so they are removed
without a word; line breaks of every kind become a newline; a field of one
line (a title, a name, a reference) turns its line breaks into a space. The
writers of those formats apply the same functions to what is already stored.

Wagtail only offers a flattening of rich text for its search index
(``get_text_for_indexing``), which runs paragraphs together; the rich text
functions keep paragraphs and line breaks, and never let HTML typed into a
form through.
"""

import re
from html import unescape

from django import forms
from django.db import models
from django.utils.html import linebreaks, strip_tags
from taggit.utils import _parse_tags
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.widgets import AdminAutoHeightTextInput

# Unicode's control characters (C0, DEL and C1) but tab and newline, what else XML 1.0
# excludes (U+FFFE, U+FFFF), and surrogate halves, which no encoding carries alone.
UNCARRIABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
NEWLINES = re.compile("\r\n|[\r\x85\u2028\u2029]")
LINE_BREAKS = re.compile(r"\s*[\n\t]\s*")


def printable(text: str) -> str:
    """The text with every line break a newline, and nothing a feed, calendar or email lacks."""
    return UNCARRIABLE.sub("", NEWLINES.sub("\n", text))


def one_line(text: str) -> str:
    """``printable`` text on one line: each line break or tab, with spaces by it, is a space."""
    return LINE_BREAKS.sub(" ", printable(text))


class PlainTextFormField(forms.CharField):
    """A form's text field that keeps what every output can carry (see ``printable``).

    The text is made printable before the other checks, so a required field
    holding nothing but control characters is refused as empty.
    """

    multiline = True

    def __init__(self, *, multiline: bool | None = None, **kwargs):
        if multiline is not None:
            self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        value = printable(value) if self.multiline else one_line(value)
        if self.strip:
            value = value.strip()
        return value or self.empty_value


class PlainLineFormField(PlainTextFormField):
    """A form's field of one line of text: a title, a name, a reference."""

    multiline = False


class PlainURLFormField(forms.URLField):
    """A link: control characters removed; a line break in it makes it an invalid address."""

    def to_python(self, value):
        return super().to_python(one_line(value) if isinstance(value, str) else value)


class PlainTextMixin:
    """A model field of typed text: its forms clean it, and every save keeps it clean.

    Forms (the site's and the Wagtail admin's) get the matching form field;
    ``pre_save`` covers text set in code, such as a stage note passed to a
    model method, so nothing uncarriable is ever stored.
    """

    multiline = True
    form_class = PlainTextFormField

    def normalise(self, value):
        if not isinstance(value, str):
            return value
        return printable(value) if self.multiline else one_line(value)

    def to_python(self, value):
        return self.normalise(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = self.normalise(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        if self.choices:
            return super().formfield(**kwargs)
        if issubclass(self.form_class, PlainTextFormField):
            kwargs["multiline"] = self.multiline
        return super().formfield(**{**kwargs, "form_class": self.form_class})


class PlainTextField(PlainTextMixin, models.TextField):
    """Text of several lines: a description, a note, an address."""


class PlainCharField(PlainTextMixin, models.CharField):
    """One line of text (a title, a name), or several with ``multiline=True`` (a statement)."""

    multiline = False

    def __init__(self, *args, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.multiline:
            kwargs["multiline"] = True
        return name, path, args, kwargs


class PlainURLField(PlainTextMixin, models.URLField):
    """A link people type."""

    multiline = False
    form_class = PlainURLFormField


class PlainTextPageMixin:
    """Page fields Wagtail declares, held to the same rule: the title is one line of plain text.

    Wagtail validates a page in ``full_clean`` (a live page, and every admin
    form) or ``minimal_clean`` (a draft); both see the cleaned title, so a
    title of nothing but control characters is refused as blank.
    """

    def clean_wagtail_text(self) -> None:
        self.title = one_line(self.title or "").strip()
        if self.draft_title:
            self.draft_title = one_line(self.draft_title).strip()
        self.seo_title = one_line(self.seo_title or "").strip()
        self.search_description = printable(self.search_description or "").strip()

    def full_clean(self, *args, **kwargs):
        self.clean_wagtail_text()
        super().full_clean(*args, **kwargs)

    def minimal_clean(self):
        self.clean_wagtail_text()
        super().minimal_clean()


def tags_from_string(text: str) -> list[str]:
    """taggit's reading of typed tags (``TAGGIT_TAGS_FROM_STRING``), each one printable line.

    taggit's own reader splits at commas (or spaces) and only trims each tag, so
    a tag could keep a line break or a control character.
    """
    names = {one_line(name).strip() for name in _parse_tags(text)}
    return sorted(name for name in names if name)


# Rich text, for front-end forms with a plain textarea ---------------------------------------

BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote)\s*>", re.IGNORECASE)
LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n{3,}")


def rich_text_from_plain_text(text: str) -> str:
    """Rich text from typed text: paragraphs at blank lines, line breaks kept, all escaped."""
    text = printable(text).strip()
    return linebreaks(text, autoescape=True) if text else ""


def plain_text_from_rich_text(html: str) -> str:
    """The words of rich text as plain text, one paragraph per block, for a textarea."""
    text = LINE_BREAK.sub("\n", html or "")
    text = BLOCK_END.sub("\n\n", text)
    text = unescape(strip_tags(text))
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# The admin's auto-height textarea is registered for TextField alone (not its subclasses).
register_form_field_override(
    PlainTextField, override={"widget": AdminAutoHeightTextInput}, exact_class=True
)
