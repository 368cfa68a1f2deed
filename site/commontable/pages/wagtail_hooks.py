"""Wagtail's hooks for the site's page types: a copy takes no address the site's own views use."""

from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.forms.pages import CopyForm

from commontable.core.addresses import OwnAddressPageMixin, address_refusal


@hooks.register("before_copy_page")
def refuse_a_copy_at_an_address_the_site_uses(request, page):
    """Refuse copying a page to an address one of the site's own views answers.

    Wagtail's copy (and its alias) saves the new page without ``clean()``,
    so the address rule every other save runs would not stop a copy of a
    convening at ``feed`` under a table, shadowed by the table's feed. The
    copy form is read here as the copy view reads it; when the copy's
    address is refused, nothing is copied and the form is shown again with
    the same message as any other save.
    """
    page_type = page.specific_class
    if request.method != "POST" or page_type is None:
        return None
    if not issubclass(page_type, OwnAddressPageMixin):
        return None
    form_class = getattr(page_type, "copy_form_class", CopyForm)
    form = form_class(request.POST, user=request.user, page=page)
    if not form.is_valid():
        return None  # the copy view shows the form's own errors
    refusal = address_refusal(
        form.cleaned_data["new_parent_page"], form.cleaned_data["new_slug"], page_type
    )
    if refusal is None:
        return None
    messages.error(request, refusal)
    return redirect(request.get_full_path())
