"""Tags offered by the admin's autocomplete: only those on something the person may see."""

from django.apps import apps
from django.db.models import Q
from django.http import Http404, JsonResponse
from taggit.models import Tag, TaggedItemBase

from commontable.privacy.rule import shown_in_admin

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
