"""Your data and your account: download everything, or delete it all."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from commontable.accounts.forms import DeleteAccountForm
from commontable.core import ratelimit
from commontable.core.errors import ActionRefused
from commontable.core.personal_data_registry import registry as personal_data


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_data(request):
    """/accounts/data/: what the site keeps about you; the button downloads it all as JSON."""
    refusal = None
    if request.method == "POST":
        try:
            ratelimit.consume("export_data", key=str(request.user.pk))
        except ActionRefused as error:
            refusal = str(error)
        else:
            response = JsonResponse(request.user.export_data(), json_dumps_params={"indent": 2})
            filename = f"common-table-my-data-{timezone.localdate():%Y-%m-%d}.json"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    return render(
        request,
        "account/personal_data.html",
        {"kinds": [kind for kind in personal_data if kind.export], "refusal": refusal},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """/accounts/delete/: explain what goes and what stays; delete on a confirmed POST."""
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    refusal = None
    if request.method == "POST":
        try:
            # Counted before the password is checked, so guessing is limited too.
            ratelimit.consume("delete_account", key=str(user.pk))
            if form.is_valid():
                user.delete_account()
                logout(request)
                return redirect("account_deleted")
        except ActionRefused as error:
            refusal = str(error)
            form = DeleteAccountForm(user=user)
    return render(
        request,
        "account/delete_account.html",
        {
            "form": form,
            "refusal": refusal,
            "removed": personal_data.removed(),
            "kept": personal_data.kept(),
            "notices": personal_data.notices(user),
        },
    )


def account_deleted(request):
    """/accounts/deleted/: the confirmation, shown once the person is signed out."""
    return render(request, "account/account_deleted.html")
