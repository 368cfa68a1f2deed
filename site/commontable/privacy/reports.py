"""Usage, privacy, copying, reports and the people their filters offer, under the rule."""

from collections import defaultdict
from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django_filters.filters import QuerySetRequestMixin
from wagtail.admin.views.page_privacy import SetPrivacyView
from wagtail.admin.views.pages.copy import CopyView
from wagtail.admin.views.pages.listing import GenericPageFilterSet
from wagtail.admin.views.pages.usage import UsageView
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.admin.views.reports.locked_pages import LockedPagesReportFilterSet, LockedPagesView
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.admin.views.reports.workflows import WorkflowReportFilterSet, WorkflowView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page, PageLogEntry, ReferenceIndex, WorkflowState

from commontable.privacy.editor import (
    PageCreateView,
    PageEditView,
    PageRevisionsCompareView,
    PageRevisionsRevertView,
    choose_only_from,
)
from commontable.privacy.rule import pages_shown_in_admin, require_page_shown, shown_in_admin


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
