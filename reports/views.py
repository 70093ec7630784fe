"""Report pages: settings with "send me a preview now", and one-click unsubscribe.

The logic lives in reports/sending.py, previews.py, unsubscribe.py and
accounts/confirmation.py; these views translate between HTTP and it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import confirmation
from accounts.models import Profile

from . import previews, sending, unsubscribe
from .forms import RecipientForm, SubscriptionForm
from .models import ReportPreview, ReportSubscription, zone_of
from .schedule import FREQUENCIES


def _subscriptions(user) -> list[ReportSubscription]:
    """The person's three subscriptions (daily, weekly, monthly), created off on first visit."""
    return [
        ReportSubscription.objects.get_or_create(user=user, frequency=frequency)[0]
        for frequency in FREQUENCIES
    ]


@login_required
@require_http_methods(["GET", "POST"])
def report_settings(request):
    """Which reports to get, when, for which accounts; and where they go."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    recipient = RecipientForm(data, initial={"email": user.email})
    forms = [
        SubscriptionForm(data, instance=subscription, prefix=subscription.frequency, user=user)
        for subscription in _subscriptions(user)
    ]
    if data is not None and recipient.is_valid() and all(f.is_valid() for f in forms):
        with transaction.atomic():
            recipient.save(user)
            for form in forms:
                subscription = form.save(commit=False)
                subscription.user = user  # already loaded, with its profile
                sending.schedule(subscription)
                subscription.save()
                form.save_m2m()
        messages.success(request, "Your report settings were saved.")
        if confirmation.request(user):
            messages.info(request, f"A link to confirm {user.email} is on its way there.")
        return redirect("reports:settings")
    return render(
        request,
        "reports/settings.html",
        {
            "recipient": recipient,
            "forms": forms,
            "zone": zone_of(user),
            "profile": Profile.of(user),
            "allowance": previews.allowance(user),
            "last_preview": ReportPreview.objects.filter(user=user).first(),
            "smtp_refused": previews.SMTP_REFUSED,
        },
    )


@login_required
@require_POST
def resend_confirmation(request):
    """Mail the link that confirms the person's address again."""
    if confirmation.request(request.user, again=True):
        messages.success(request, f"A new confirmation link is on its way to {request.user.email}.")
    else:
        messages.warning(
            request,
            "No link was sent: one went out less than a minute ago, or the address is "
            "confirmed already.",
        )
    return redirect("reports:settings")


def _local_time(user, moment) -> str:
    zone = zone_of(user)
    return f"{timezone.localtime(moment, zone):%H:%M} ({zone.key})"


@login_required
@require_POST
def preview(request, frequency: str):
    """Queue the person's report for the last complete period; the worker sends it."""
    subscription = get_object_or_404(ReportSubscription, user=request.user, frequency=frequency)
    what = subscription.get_frequency_display().lower()
    if not request.user.email:
        messages.error(request, "Add the address reports go to first, then save.")
    elif not confirmation.is_confirmed(request.user):
        messages.error(
            request, f"Confirm {request.user.email} first: follow the link mailed to it."
        )
    elif not subscription.report_accounts():
        messages.error(request, "Link an X account first: a report needs numbers to show.")
    elif previews.ask(subscription) is None:
        allowance = previews.allowance(request.user)
        if allowance.next_at is None:  # REPORT_PREVIEWS_PER_HOUR = 0
            messages.error(request, "Previews are turned off on this installation.")
        else:
            messages.error(
                request,
                f"You have asked for {allowance.limit} previews in the last hour, the most "
                f"there can be; the next one is possible at "
                f"{_local_time(request.user, allowance.next_at)}.",
            )
    else:
        messages.success(
            request, f"A preview of your {what} report is on its way to {request.user.email}."
        )
    return redirect("reports:settings")


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a session; the token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token: str):
    """GET shows a confirm button (link scanners must not unsubscribe anyone); POST does it."""
    try:
        subscription = unsubscribe.read(token)
    except ReportSubscription.DoesNotExist:
        return render(request, "reports/unsubscribe.html", {"state": "gone"})
    if subscription is None:
        return render(request, "reports/unsubscribe.html", {"state": "invalid"}, status=400)
    if request.method == "POST":
        done = unsubscribe.unsubscribe(subscription)
        state = "done" if done else "already"
    else:
        subscription.refresh_from_db(fields=["enabled"])
        state = "confirm" if subscription.enabled else "already"
    return render(
        request, "reports/unsubscribe.html", {"state": state, "subscription": subscription}
    )
