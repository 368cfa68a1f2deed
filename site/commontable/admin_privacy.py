"""The Wagtail admin under the site's one visibility rule (DESIGN §9).

Wagtail's admin checks what a person may *edit*; it does not ask what they
may *see*. Many of its views render a title, a count or a name from an id in
the address, the query string or a form, whatever the person's permissions:
another table's facilitator could read a members-only table through a bulk
action's "no permission" list, a move confirmation, a report or an agenda item
saved with the table's ids. This module applies the site's rule everywhere
the admin names something:

- ``pages_shown_in_admin(user)`` is the rule for pages: what the site shows
  the person (``VisiblePageQuerySet.visible_to``), plus the drafts of pages
  they may edit, and never anything inside a private section closed to them.
  Other models answer with their own ``visible_to(user)``.
- ``hide_closed_pages`` wraps every admin view (``commontable.urls``): a page
  id in the address that the person may not see answers 404, exactly as an
  id that does not exist.
- The views that list or count pages, or show what a form links to, are
  Wagtail's own, narrowed here: bulk actions, the page editor's choosers and
  revision comparison, usage, privacy, the page types report, tag
  autocomplete and the dashboard.
- The filters that offer people (the explorer's owner and editor, the site
  history's user, the workflow report's requester, the locked pages' locker)
  offer only ``people_shown_in_admin(user)``: someone whose only pages are
  hidden from this person is not named, not even as a choice.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from functools import cache, wraps

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.forms import ModelChoiceField
from django.http import Http404, JsonResponse
from django_filters.filters import QuerySetRequestMixin
from taggit.models import Tag, TaggedItemBase
from wagtail import blocks
from wagtail.admin.site_summary import PagesSummaryItem
from wagtail.admin.views import home
from wagtail.admin.views.account import LogoutView
from wagtail.admin.views.page_privacy import SetPrivacyView
from wagtail.admin.views.pages.bulk_actions.delete import (
    DeleteBulkAction as DeletePagesBulkAction,
)
from wagtail.admin.views.pages.bulk_actions.move import MoveBulkAction
from wagtail.admin.views.pages.bulk_actions.publish import PublishBulkAction
from wagtail.admin.views.pages.bulk_actions.unpublish import UnpublishBulkAction
from wagtail.admin.views.pages.copy import CopyView
from wagtail.admin.views.pages.create import CreateView
from wagtail.admin.views.pages.edit import EditView
from wagtail.admin.views.pages.listing import GenericPageFilterSet
from wagtail.admin.views.pages.revisions import RevisionsCompareView, RevisionsRevertView
from wagtail.admin.views.pages.usage import UsageView
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.admin.views.reports.locked_pages import LockedPagesReportFilterSet, LockedPagesView
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.admin.views.reports.workflows import WorkflowReportFilterSet, WorkflowView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.blocks.base import BlockField, BlockWidget
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageLogEntry, ReferenceIndex, WorkflowState
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.query import PageQuerySet
from wagtail.rich_text.rewriters import FIND_A_TAG, extract_attrs

from commontable.visibility import VisiblePageQuerySet

# What the admin shows in place of the title of something linked that this person may not see.
NOT_AVAILABLE = "Not available to you"

# The keywords of Wagtail's admin URLs that hold a page id.
PAGE_ID_KEYWORDS = frozenset(
    {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"}
)
# Where ``pk`` names a page (the revisions comparison, under the pages' namespace).
PAGE_NAMESPACE = "wagtailadmin_pages"
# The page permissions that open a page (and its subtree) to its editors in the admin.
EDITING_PERMISSIONS = frozenset({"add", "change", "publish", "lock", "unlock", "bulk_delete"})


# The rule ----------------------------------------------------------------------------------


def pages_shown_in_admin(user) -> PageQuerySet:
    """Filters pages to those this person may see in the admin.

    Administrators see every page. Anyone else sees the live pages the site
    shows them and every page of the subtrees they may edit (drafts
    included), but nothing inside a private section closed to them, whatever
    their page permissions say.
    """
    pages = Page.objects.all()
    if user.is_superuser:
        return pages
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(
        user, EDITING_PERMISSIONS
    )
    return pages.filter(Q(live=True) | Q(pk__in=editable.values("pk"))).exclude(
        VisiblePageQuerySet(Page).hidden_from_q(user)
    )


def shown_in_admin(model, user):
    """The objects of ``model`` this person may see, or None when the model has no rule."""
    if issubclass(model, Page):
        return pages_shown_in_admin(user)
    manager = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    return None


def rule_model(obj) -> type:
    """The model whose rule decides about ``obj``: ``Page`` for every page type."""
    return Page if isinstance(obj, Page) else obj._meta.concrete_model


def hidden_among(user, objects: Iterable) -> set[tuple[type, object]]:
    """The (model, pk) pairs of those ``objects`` this person may not see."""
    wanted = defaultdict(set)
    for obj in objects:
        if obj is not None and obj.pk is not None:
            wanted[rule_model(obj)].add(obj.pk)
    hidden = set()
    for model, pks in wanted.items():
        shown = shown_in_admin(model, user)
        if shown is None:
            continue
        visible = set(shown.filter(pk__in=pks).values_list("pk", flat=True))
        hidden |= {(model, pk) for pk in pks - visible}
    return hidden


def require_page_shown(user, page_id) -> None:
    """Answer 404 for a page this person may not see, as for one that does not exist."""
    if not pages_shown_in_admin(user).filter(pk=page_id).exists():
        raise Http404


# Page ids in admin addresses ---------------------------------------------------------------


def page_ids_in(request, kwargs: dict) -> list:
    """The page ids an admin address names."""
    ids = [kwargs[name] for name in PAGE_ID_KEYWORDS & kwargs.keys()]
    match = request.resolver_match
    if "pk" in kwargs and match is not None and PAGE_NAMESPACE in match.namespaces:
        ids.append(kwargs["pk"])
    if "object_id" in kwargs and "app_label" in kwargs and "model_name" in kwargs:
        try:
            model = apps.get_model(kwargs["app_label"], kwargs["model_name"])
        except LookupError:
            model = None
        if model is not None and issubclass(model, Page):
            ids.append(kwargs["object_id"])
    return ids


def hide_closed_pages(view):
    """Wrap an admin view so that a page id it is given and may not show answers 404."""
    if getattr(view, "hides_closed_pages", False):
        return view

    @wraps(view)
    def guarded(request, *args, **kwargs):
        # Only once the person may use the admin: everyone else is sent to sign in, whatever
        # the id, so the answer tells them nothing either.
        if request.user.has_perm("wagtailadmin.access_admin"):
            for page_id in page_ids_in(request, kwargs):
                if not str(page_id).isdecimal():
                    raise Http404
                require_page_shown(request.user, page_id)
        return view(request, *args, **kwargs)

    guarded.hides_closed_pages = True
    return guarded


# StreamField choosers and model choice fields ----------------------------------------------


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


# Usage, privacy and reports ------------------------------------------------------------------


def references_shown(references, user):
    """Reference index rows whose source this person may see."""
    if user.is_superuser:
        return references
    sources = defaultdict(set)
    for content_type_id, object_id in references.values_list("base_content_type_id", "object_id"):
        sources[content_type_id].add(object_id)
    hidden = Q(pk__in=[])
    for content_type_id, object_ids in sources.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        shown = shown_in_admin(model, user) if model is not None else None
        if shown is None:
            continue
        visible = {str(pk) for pk in shown.filter(pk__in=object_ids).values_list("pk", flat=True)}
        hidden |= Q(base_content_type_id=content_type_id, object_id__in=object_ids - visible)
    return references.exclude(hidden)


class PageUsageView(UsageView):
    """What links to a page, leaving out what this person may not see (not even as a count)."""

    def get_queryset(self):
        references = ReferenceIndex.get_references_to(self.object)
        return references_shown(references, self.request.user).group_by_source_object()


def groups_shown(user):
    """The groups a person may see: none belonging to a round table hidden from them.

    A round table's groups carry its title in their names.
    """
    groups = Group.objects.all()
    if user.is_superuser:
        return groups
    round_tables = apps.get_model("convenings", "RoundTablePage").objects.exclude(
        pk__in=pages_shown_in_admin(user).values("pk")
    )
    hidden = round_tables.values_list("facilitator_group", "member_group")
    return groups.exclude(pk__in={pk for pair in hidden for pk in pair if pk is not None})


class PageCopyView(CopyView):
    """Copying a page, to a parent page this person may see.

    Wagtail's form names the parent page whose id it is sent ("You do not have
    permission to copy to page …", and in its chooser), and fails with a
    server error for an id that does not exist. A parent id this person may
    not see answers 404, as one that does not exist.
    """

    def post(self, request, page_id, *args, **kwargs):
        parent_id = request.POST.get("new_parent_page", "")
        if not parent_id.isdecimal():
            raise Http404
        require_page_shown(request.user, parent_id)
        return super().post(request, page_id, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields.get("new_parent_page")
        if field is not None and not self.request.user.is_superuser:
            shown = pages_shown_in_admin(self.request.user)
            field.queryset = shown
            choose_only_from(field.widget, shown)
        return form


class PagePrivacyView(SetPrivacyView):
    """Page privacy, offering only the groups this person may see."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["groups"].queryset = groups_shown(self.request.user)
        return form


# People offered by filters -------------------------------------------------------------------


def people_shown_in_admin(user):
    """The people the admin may name to this person: those whose work it shows them.

    Administrators see everyone. Anyone else sees themselves and the people who
    own, edited (any logged action), locked or sent to moderation a page they
    may see; not a person whose only pages are hidden from them.
    """
    people = get_user_model().objects.all()
    if user.is_superuser:
        return people
    shown = pages_shown_in_admin(user)
    shown_ids = shown.values("pk")
    shown_ids_as_text = shown.annotate(text_pk=Cast("pk", CharField())).values("text_pk")
    return people.filter(
        Q(pk=user.pk)
        | Q(pk__in=shown.exclude(owner=None).values("owner_id"))
        | Q(pk__in=shown.exclude(locked_by=None).values("locked_by_id"))
        | Q(pk__in=PageLogEntry.objects.filter(page_id__in=shown_ids).values("user_id"))
        | Q(
            pk__in=WorkflowState.objects.filter(
                base_content_type=ContentType.objects.get_for_model(Page),
                object_id__in=shown_ids_as_text,
            ).values("requested_by_id")
        )
    )


class ShownPeopleFilters:
    """A filter set mixin: every filter that offers people offers only ``people_shown_in_admin``.

    Wagtail fills such filters with everyone who owns, edited, locked or
    requested moderation of any page, whatever this person may see.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is None or user.is_superuser:
            return
        user_model = get_user_model()
        people = None
        for choice in self.filters.values():
            if not isinstance(choice, QuerySetRequestMixin):
                continue
            offered = (
                choice.get_queryset(self.request)
                if choice.queryset is not None
                else choice.extra.get("queryset")
            )
            if offered is None or offered.model is not user_model:
                continue
            if people is None:
                people = people_shown_in_admin(user)
            choice.queryset = offered.filter(pk__in=people.values("pk"))


@cache
def shown_people_filters(filterset_class):
    """``filterset_class`` with ``ShownPeopleFilters`` mixed in (one class per filter set)."""
    return type(filterset_class.__name__, (ShownPeopleFilters, filterset_class), {})


class SiteHistoryReport(LogEntriesView):
    """The site history report, whose user filter names only people shown."""

    filterset_class = shown_people_filters(SiteHistoryReportFilterSet)


class WorkflowReport(WorkflowView):
    """The workflow report, whose requester filter names only people shown."""

    filterset_class = shown_people_filters(WorkflowReportFilterSet)


class LockedPagesReport(LockedPagesView):
    """The locked pages report, whose locker filter names only people shown."""

    filterset_class = shown_people_filters(LockedPagesReportFilterSet)


class ShownPageViewSet(PageViewSet):
    """Wagtail's page views, for every page type, with the rule applied where they name pages."""

    # The explorer's filters (Wagtail's own for every page type), naming only people shown.
    filterset_class = shown_people_filters(GenericPageFilterSet)
    edit_view_class = PageEditView
    add_view_class = PageCreateView
    revisions_revert_view_class = PageRevisionsRevertView
    revisions_compare_view_class = PageRevisionsCompareView
    usage_view_class = PageUsageView
    set_privacy_view_class = PagePrivacyView
    copy_view_class = PageCopyView


class PageTypesUsageReport(PageTypesUsageReportView):
    """How many pages of each type there are, and the last edited, counting only shown pages."""

    def get_queryset(self):
        shown = pages_shown_in_admin(self.request.user)
        queryset = ContentType.objects.filter(model__in=self.page_models)
        plain_page = ContentType.objects.get_for_model(Page)
        if not Page.objects.filter(depth__gt=1, content_type=plain_page).exists():
            queryset = queryset.exclude(pk=plain_page.pk)
        self.queryset = queryset
        queryset = self.filter_queryset(queryset)
        language_code = self.filters.form.cleaned_data.get("page_locale", None)
        site_root_path = self.filters.form.cleaned_data.get("site", None)
        pages, counted = Q(), Q(pages__in=shown)
        if language_code:
            pages &= Q(locale__language_code=language_code)
            counted &= Q(pages__locale__language_code=language_code)
        if site_root_path:
            pages &= Q(path__startswith=site_root_path)
            counted &= Q(pages__path__startswith=site_root_path)
        latest_edited = (
            shown.filter(pages, content_type=OuterRef("pk"))
            .order_by(F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk")
            .values("pk")[:1]
        )
        queryset = queryset.annotate(
            count=Count("pages", filter=counted), last_edited_page_id=Subquery(latest_edited)
        )
        return queryset.order_by("-count", "app_label", "model")


# Tags ------------------------------------------------------------------------------------------

TAG_AUTOCOMPLETE_LIMIT = 10


def tags_shown(user):
    """The tags used on something this person may see (a tag of hidden items only is hidden)."""
    used = Q(pk__in=[])
    for through in apps.get_models():
        if not issubclass(through, TaggedItemBase):
            continue
        tag_model = through._meta.get_field("tag").related_model
        target = through._meta.get_field("content_object").related_model
        if tag_model is not Tag or not isinstance(target, type):
            continue
        shown = shown_in_admin(target, user)
        items = through.objects.all()
        if shown is not None:
            items = items.filter(content_object__in=shown.values("pk"))
        used |= Q(pk__in=items.values("tag_id"))
    return Tag.objects.filter(used)


def tag_autocomplete(request, app_name=None, model_name=None):
    """Wagtail's tag autocomplete, offering only tags used on what this person may see."""
    if app_name and model_name and (app_name, model_name) != ("taggit", "tag"):
        raise Http404
    term = request.GET.get("term", "")
    if not term:
        return JsonResponse([], safe=False)
    names = (
        tags_shown(request.user)
        .filter(name__istartswith=term)
        .order_by("name")
        .values_list("name", flat=True)[:TAG_AUTOCOMPLETE_LIMIT]
    )
    return JsonResponse(list(names), safe=False)


# The dashboard ---------------------------------------------------------------------------------


def shown_page_ids(user, pages: Iterable) -> set:
    """The ids of those pages this person may see in the admin."""
    ids = [page.pk for page in pages if isinstance(page, Page)]
    return set(pages_shown_in_admin(user).filter(pk__in=ids).values_list("pk", flat=True))


class ShownPagesSummaryItem(PagesSummaryItem):
    """The dashboard's page count, counting only the pages this person may see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        root_page = context["root_page"]
        if root_page is not None:
            shown = pages_shown_in_admin(self.request.user).descendant_of(root_page, inclusive=True)
            context["total_pages"] = shown.filter(depth__gt=1).count()
        return context


class ShownRecentEditsPanel(home.RecentEditsPanel):
    """Your most recent edits, without pages you may no longer see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        shown = shown_page_ids(user, [page for _, page in context["last_edits"]])
        context["last_edits"] = [edit for edit in context["last_edits"] if edit[1].pk in shown]
        return context


class ShownLockedPagesPanel(home.LockedPagesPanel):
    """The pages you locked, without those you may no longer see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["locked_pages"] = context["locked_pages"].filter(
            pk__in=pages_shown_in_admin(user).values("pk")
        )
        return context


class ShownUserObjectsInWorkflowModerationPanel(home.UserObjectsInWorkflowModerationPanel):
    """Your pages in moderation, without those you may no longer see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        states = list(context["workflow_states"])
        user = parent_context["request"].user
        shown = shown_page_ids(user, [state.content_object for state in states])
        context["workflow_states"] = [
            state
            for state in states
            if not isinstance(state.content_object, Page) or state.content_object.pk in shown
        ]
        return context


class ShownWorkflowObjectsToModeratePanel(home.WorkflowObjectsToModeratePanel):
    """Pages awaiting your review, without those you may not see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        shown = shown_page_ids(user, [state["obj"] for state in context["states"]])
        context["states"] = [
            state
            for state in context["states"]
            if not isinstance(state["obj"], Page) or state["obj"].pk in shown
        ]
        return context


SHOWN_PANELS = {
    home.RecentEditsPanel: ShownRecentEditsPanel,
    home.LockedPagesPanel: ShownLockedPagesPanel,
    home.UserObjectsInWorkflowModerationPanel: ShownUserObjectsInWorkflowModerationPanel,
    home.WorkflowObjectsToModeratePanel: ShownWorkflowObjectsToModeratePanel,
}


# Bulk actions ------------------------------------------------------------------------------------


class ShownPagesOnly:
    """A page bulk action that acts on, and names, only pages this person may see.

    Wagtail lists every page it is given, with "you don't have permission" for
    those it may not act on; a page this person may not see is left out as if
    its id did not exist (no page left: 404, as Wagtail answers for unknown ids).
    """

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        user = self.request.user
        if user.is_superuser:
            return objects, extra
        named = [*objects]
        for items in extra.values():
            named += [item["item"] if isinstance(item, dict) else item for item in items]
        shown = shown_page_ids(user, named)
        if named and not shown:
            raise Http404

        def keep(item):
            return (item["item"] if isinstance(item, dict) else item).pk in shown

        objects = [obj for obj in objects if keep(obj)]
        return objects, {
            key: [item for item in items if keep(item)] for key, items in extra.items()
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if "chooser" in form.fields:
            shown = pages_shown_in_admin(self.request.user)
            form.fields["chooser"].queryset = shown
            choose_only_from(form.fields["chooser"].widget, shown)
        return form


class ShownPagesDeleteBulkAction(ShownPagesOnly, DeletePagesBulkAction):
    """Wagtail\'s bulk delete of pages, under ``ShownPagesOnly``."""


class ShownPagesMoveBulkAction(ShownPagesOnly, MoveBulkAction):
    """Wagtail\'s bulk move of pages, under ``ShownPagesOnly``."""


class ShownPagesPublishBulkAction(ShownPagesOnly, PublishBulkAction):
    """Wagtail\'s bulk publish of pages, under ``ShownPagesOnly``."""


class ShownPagesUnpublishBulkAction(ShownPagesOnly, UnpublishBulkAction):
    """Wagtail\'s bulk unpublish of pages, under ``ShownPagesOnly``."""


# Signing out -------------------------------------------------------------------------------------


class SignOutView(LogoutView):
    """Wagtail's sign-out, by POST only: a GET (a link from anywhere) changes nothing.

    Wagtail's own view answers a GET with 405 but still deletes the session
    cookie and says "logged out", so any page could sign a person out.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)
