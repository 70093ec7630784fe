"""The alert settings page: where alerts go (the confirmed address, webhooks), quiet
hours, "send a test", and the log of recent deliveries with their attempts.

The logic lives in notifications/delivery.py, forms.py and models.py; these views
translate between HTTP and it. Another person's destination is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Profile

from . import delivery
from .forms import DestinationForm, QuietHoursForm
from .models import Delivery, DeliveryAttempt, Destination

LOG_LENGTH = 30


def _page(request, *, form=None, quiet=None, new_secret=None, new_destination=None, status=200):
    user = request.user
    Destination.email_of(user)
    log = (
        Delivery.objects.filter(destination__user=user)
        .select_related("destination")
        .prefetch_related(Prefetch("log", queryset=DeliveryAttempt.objects.order_by("at", "pk")))
        .order_by("-created_at", "-pk")[:LOG_LENGTH]
    )
    profile = Profile.of(user)
    context = {
        "destinations": Destination.objects.filter(user=user),
        "form": form or DestinationForm(user=user),
        "quiet": quiet or QuietHoursForm.for_user(user),
        "profile": profile,
        "zone": profile.zone,
        "tests_left": delivery.tests_left(user),
        "log": log,
        "new_secret": new_secret,
        "new_destination": new_destination,
    }
    return render(request, "notifications/settings.html", context, status=status)


@login_required
@require_GET
def alert_settings(request):
    """The page."""
    return _page(request)


@login_required
@require_POST
def add_destination(request):
    """Add a webhook; a signed JSON one's secret is shown in this answer, and never again."""
    form = DestinationForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    destination, secret = form.save()
    if secret is None:
        messages.success(request, f"Alerts now go to {destination.name} as well.")
        return redirect("notifications:settings")
    return _page(request, new_secret=secret, new_destination=destination)


@login_required
@require_POST
def toggle_destination(request, pk: int):
    """Turn a destination (the email one included) on or off."""
    destination = get_object_or_404(Destination, pk=pk, user=request.user)
    destination.enabled = not destination.enabled
    destination.save(update_fields=["enabled"])
    state = "on" if destination.enabled else "off"
    messages.success(request, f"Alerts to {destination.name} are {state}.")
    return redirect("notifications:settings")


@login_required
@require_POST
def remove_destination(request, pk: int):
    """Remove a webhook (the email destination can only be turned off)."""
    destination = get_object_or_404(
        Destination.objects.exclude(kind=Destination.Kind.EMAIL), pk=pk, user=request.user
    )
    destination.delete()
    messages.success(request, f"{destination.name} was removed; its log went with it.")
    return redirect("notifications:settings")


@login_required
@require_POST
def quiet_hours(request):
    """Save the person's quiet hours (or turn them off)."""
    form = QuietHoursForm(request.POST)
    if not form.is_valid():
        return _page(request, quiet=form, status=400)
    form.save(request.user)
    messages.success(request, "Your quiet hours were saved.")
    return redirect("notifications:settings")


@login_required
@require_POST
def send_test(request):
    """One "test" message to every enabled destination, through the worker."""
    sent = delivery.send_test(request.user)
    if sent is None:
        messages.error(
            request, "You have sent the most tests there can be in an hour; try again later."
        )
    elif not sent:
        messages.error(request, "No destination is turned on: there is nowhere to send a test.")
    else:
        held = any(d.due_at > d.created_at for d in sent)
        note = " It waits for the end of your quiet hours." if held else ""
        messages.success(request, f"A test is on its way to {len(sent)} destination(s).{note}")
    return redirect("notifications:settings")
