"""The page editor under the rule: choosers, links and revisions name nothing hidden."""

import json
from collections.abc import Iterable
from functools import cache

from django.forms import ModelChoiceField
from wagtail import blocks
from wagtail.admin.views.pages.create import CreateView
from wagtail.admin.views.pages.edit import EditView
from wagtail.admin.views.pages.revisions import RevisionsCompareView, RevisionsRevertView
from wagtail.blocks.base import BlockField, BlockWidget
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.rich_text.rewriters import FIND_A_TAG, extract_attrs

from commontable.privacy.rule import NOT_AVAILABLE, hidden_among, rule_model, shown_in_admin


def linked_pages(html) -> list[Page]:
    """The pages a rich text links to, as unsaved stand-ins that carry only their ids."""
    pages = []
    for tag in FIND_A_TAG.finditer(str(html or "")):
        attrs = extract_attrs(tag.group(1))
        if attrs.get("linktype") == "page" and attrs.get("id", "").isdecimal():
            pages.append(Page(pk=int(attrs["id"])))
    return pages


def chosen_objects(block, value) -> Iterable:
    """Every object chosen in a block value (page, snippet, image…), at any depth.

    A page linked from rich text counts as chosen: the editor shows its address.
    """
    if value is None:
        return
    if isinstance(block, blocks.ChooserBlock):
        yield value
    elif isinstance(block, blocks.RichTextBlock):
        yield from linked_pages(getattr(value, "source", value))
    elif isinstance(block, blocks.StreamBlock):
        for child in value:
            yield from chosen_objects(child.block, child.value)
    elif isinstance(block, blocks.ListBlock):
        for item in value:
            yield from chosen_objects(block.child_block, item)
    elif isinstance(block, blocks.StructBlock):
        for name, child_block in block.child_blocks.items():
            yield from chosen_objects(child_block, value.get(name))


def conceal(obj) -> None:
    """Replace, in memory only, the title of something this person may not see."""
    if isinstance(obj, Page):
        obj.title = obj.draft_title = NOT_AVAILABLE
    elif hasattr(obj, "title"):
        obj.title = NOT_AVAILABLE
    elif hasattr(obj, "name"):
        obj.name = NOT_AVAILABLE


def masked_copy(block, value, user):
    """A copy of a block value whose hidden chosen objects are titled "Not available to you".

    The ids stay, so an editor's save keeps a link someone else made; the
    page form refuses only links the editor adds (``ShownChoicesForm``).
    """
    if value is None:
        return value
    copy = block.to_python(block.get_prep_value(value))
    chosen = list(chosen_objects(block, copy))
    hidden = hidden_among(user, chosen)
    for obj in chosen:
        if obj is not None and (rule_model(obj), obj.pk) in hidden:
            conceal(obj)
    return copy


def mask_stream_fields(obj, user) -> None:
    """Conceal, in memory, what an object's StreamFields link to and this person may not see."""
    for field in obj._meta.get_fields():
        if isinstance(field, StreamField):
            setattr(
                obj, field.name, masked_copy(field.stream_block, getattr(obj, field.name), user)
            )


def choose_only_from(widget, queryset) -> None:
    """Make a chooser widget render only objects of ``queryset``: another id renders as empty.

    A chooser shows the title of whatever id it is given, even one its
    form field will refuse.
    """
    find = widget.get_instance

    def get_instance(value):
        instance = find(value)
        if instance is None or not queryset.filter(pk=instance.pk).exists():
            return None
        return instance

    widget.get_instance = get_instance


def mask_page_links(widget, user) -> None:
    """Make a rich text editor show a link to a page this person may not see as a broken one.

    Wagtail's editor gives every page link the page's address and parent; a
    hidden page's link keeps its id (so a save keeps it) and shows neither,
    as for a page that does not exist.
    """
    format_value = widget.format_value

    def masked(value):
        text = format_value(value)
        try:
            state = json.loads(text)
        except (TypeError, ValueError):
            return text
        links = [
            entity["data"]
            for entity in (state.get("entityMap") or {}).values()
            if isinstance(entity, dict)
            and entity.get("type") == "LINK"
            and isinstance((entity.get("data") or {}).get("id"), int)
        ]
        hidden = {pk for _, pk in hidden_among(user, [Page(pk=link["id"]) for link in links])}
        if not hidden:
            return text
        for link in links:
            if link["id"] in hidden:
                link.update(url=None, parentId=None)
        return json.dumps(state)

    widget.format_value = masked


class MaskedBlockWidget(BlockWidget):
    """A StreamField's editor that shows hidden chosen objects as "Not available to you"."""

    def __init__(self, block_def, user, attrs=None):
        super().__init__(block_def, attrs=attrs)
        self.user = user

    def render_with_errors(self, name, value, attrs=None, errors=None, renderer=None):
        return super().render_with_errors(
            name, masked_copy(self.block_def, value, self.user), attrs, errors, renderer
        )


class ShownChoicesForm:
    """A page form mixin: nothing linked that the editor may not see is named or added.

    Reopening the editor (or a revision) shows such a link as "Not available
    to you" and keeps it; choosing one (an id typed into the form) is refused
    with a message saying why, and nothing is saved.
    """

    refusal = (
        "This links to something you cannot see (it may be members-only, or no longer "
        "exist for you). Remove it, or ask the facilitators of its round table."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None or user.is_superuser:
            return
        self._already_linked = self._linked_objects(self.instance)
        for name in self._rich_text_fields():
            mask_page_links(self.fields[name].widget, user)
        for field in self.fields.values():
            if isinstance(field, BlockField):
                field.widget = MaskedBlockWidget(field.block, user)
            elif isinstance(field, ModelChoiceField) and (
                shown_in_admin(field.queryset.model, user) is not None
            ):
                self._relabel_hidden(field, user)

    @staticmethod
    def _relabel_hidden(field, user) -> None:
        shown = shown_in_admin(field.queryset.model, user)
        hidden = set(field.queryset.exclude(pk__in=shown.values("pk")).values_list("pk", flat=True))
        if not hidden:
            return
        label = field.label_from_instance
        field.label_from_instance = lambda obj: NOT_AVAILABLE if obj.pk in hidden else label(obj)

    def _rich_text_fields(self) -> list[str]:
        """The names of the form's fields that are rich text on the model."""
        names = []
        for name in self.fields:
            try:
                field = self._meta.model._meta.get_field(name)
            except Exception:
                continue
            if isinstance(field, RichTextField):
                names.append(name)
        return names

    def _linked_objects(self, instance) -> set[tuple[type, object]]:
        """What the page links to now, through its StreamFields and rich text."""
        if instance is None or instance.pk is None:
            return set()
        linked = {
            (Page, page.pk)
            for name in self._rich_text_fields()
            for page in linked_pages(getattr(instance, name, ""))
        }
        for name, field in self.fields.items():
            if isinstance(field, BlockField) and hasattr(instance, name):
                linked |= {
                    (rule_model(obj), obj.pk)
                    for obj in chosen_objects(field.block, getattr(instance, name))
                    if obj is not None
                }
        return linked

    def clean(self):
        cleaned_data = super().clean()
        user = self.for_user
        if user is None or user.is_superuser:
            return cleaned_data
        for name, field in self.fields.items():
            if isinstance(field, BlockField) and cleaned_data.get(name) is not None:
                chosen = chosen_objects(field.block, cleaned_data[name])
                if hidden_among(user, chosen) - self._already_linked:
                    self.add_error(name, self.refusal)
        for name in self._rich_text_fields():
            chosen = linked_pages(cleaned_data.get(name))
            if hidden_among(user, chosen) - self._already_linked:
                self.add_error(name, self.refusal)
        return cleaned_data


@cache
def shown_choices_form(form_class):
    """``form_class`` with ``ShownChoicesForm`` mixed in (one class per page form)."""
    return type(form_class.__name__, (ShownChoicesForm, form_class), {})


class ShownChoicesFormMixin:
    """For the page views that build a page form: use it with ``ShownChoicesForm``."""

    def get(self, request, *args, **kwargs):
        self.form_class = shown_choices_form(self.form_class)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.form_class = shown_choices_form(self.form_class)
        return super().post(request, *args, **kwargs)


class PageEditView(ShownChoicesFormMixin, EditView):
    """Wagtail's page editor with ``ShownChoicesForm``."""


class PageCreateView(ShownChoicesFormMixin, CreateView):
    """Wagtail's new-page form with ``ShownChoicesForm``."""


class PageRevisionsRevertView(ShownChoicesFormMixin, RevisionsRevertView):
    """Reverting to a revision, with ``ShownChoicesForm``."""


class PageRevisionsCompareView(RevisionsCompareView):
    """Two revisions compared, without naming what they link to and the editor may not see."""

    def _get_revision_and_heading(self, revision_id):
        revision, heading = super()._get_revision_and_heading(revision_id)
        if not self.request.user.is_superuser:
            mask_stream_fields(revision, self.request.user)
            for field in revision._meta.many_to_many:
                related = list(getattr(revision, field.name).all())
                hidden = hidden_among(self.request.user, related)
                if hidden:
                    setattr(
                        revision,
                        field.name,
                        [obj for obj in related if (rule_model(obj), obj.pk) not in hidden],
                    )
        return revision, heading
