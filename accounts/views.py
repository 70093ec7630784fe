"""Pages for people: signing up (open or by invitation), confirming an address, their
linked X accounts and who they share them with. The logic lives in accounts/invitations.py,
confirmation.py, oauth.py, access.py, sharing.py and on the XAccount model; these views
only translate between HTTP and them."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import PasswordChangeView
from django.contrib.messages.views import SuccessMessageMixin
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import access, confirmation, invitations, oauth, sharing
from .models import AccountAccess, PendingAccess, XAccount

# --- people ------------------------------------------------------------------------------


def _welcome(request, user):
    login(request, user, backend="accounts.backends.ProfileBackend")
    messages.success(request, f"Welcome, {user.get_username()}. Link an X account to begin.")
    return redirect("accounts:list")


@require_http_methods(["GET", "POST"])
def signup(request):
    """Create a dashboard user and sign them in, when SIGNUP is `open`."""
    if not invitations.invitations_allowed():
        raise Http404("Signing up is closed.")
    if not invitations.signup_open():
        return render(request, "registration/signup_invite_only.html", status=403)
    if request.user.is_authenticated:
        return redirect("accounts:list")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _welcome(request, form.save())
    return render(request, "registration/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_invited(request, token: str):
    """Create a dashboard user from an invitation link, with the invited address."""
    try:
        invitation = invitations.read(token)
    except invitations.SignupClosed:
        raise Http404("Signing up is closed.") from None
    except invitations.InvalidLink as exc:
        return render(request, "registration/link_refused.html", {"reason": exc}, status=400)
    if request.user.is_authenticated:
        return _join(request, invitation)
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept(invitation, form)
        except invitations.InvalidLink as exc:
            return render(request, "registration/link_refused.html", {"reason": exc}, status=400)
        return _welcome(request, user)
    return render(request, "registration/signup.html", {"form": form, "invitation": invitation})


def _join(request, invitation):
    """Someone signed in follows an invitation: when it shares accounts, a button adds them
    to theirs (a GET changes nothing, so link scanners accept nothing)."""
    shared = [p.account for p in invitation.pending_accesses.select_related("account")]
    if not shared:
        return redirect("accounts:list")
    if request.method == "POST":
        try:
            granted = invitations.join(invitation, request.user)
        except invitations.InvalidLink as exc:
            return render(request, "registration/link_refused.html", {"reason": exc}, status=400)
        names = ", ".join(f"@{access.account.username}" for access in granted)
        messages.success(request, f"Shared with you: {names or 'nothing new'}.")
        return redirect("accounts:list")
    return render(request, "accounts/join.html", {"invitation": invitation, "accounts": shared})


@require_http_methods(["GET", "POST"])
def confirm_email(request, token: str):
    """A confirmation link from a mail: GET shows a button (link scanners confirm
    nothing), POST records the address as confirmed."""
    try:
        user_id, email = confirmation.read(token)
    except confirmation.InvalidLink as exc:
        return render(request, "registration/link_refused.html", {"reason": exc}, status=400)
    state = "confirm"
    if request.method == "POST":
        state = "done" if confirmation.confirm(user_id, email) else "changed"
    return render(request, "registration/confirm_email.html", {"state": state, "email": email})


class PasswordChange(SuccessMessageMixin, PasswordChangeView):
    """Django's password change, ending on the accounts page with a message."""

    success_url = reverse_lazy("accounts:list")
    success_message = "Your password was changed."


# --- linked X accounts -------------------------------------------------------------------


@login_required
@require_GET
def account_list(request):
    """The X accounts the person owns or was given access to, their state, their latest
    poll, and the buttons their role allows."""
    # The poll runs are the poller's (tweets), reached through the relation, not an import.
    poll_runs = XAccount.poll_runs.rel.related_model.objects
    latest = poll_runs.filter(account=OuterRef("pk")).order_by("-started_at")
    accounts = list(
        XAccount.objects.visible_to(request.user)
        .with_role_of(request.user)
        .select_related("owner")
        .annotate(latest_run_id=Subquery(latest.values("pk")[:1]))
        .order_by("username")
    )
    runs = poll_runs.in_bulk([a.latest_run_id for a in accounts if a.latest_run_id])
    for account in accounts:
        account.latest_run = runs.get(account.latest_run_id)
    return render(
        request,
        "accounts/list.html",
        {
            "accounts": accounts,
            "now": timezone.now(),
            "oauth1": oauth.oauth1_configured(),
            "oauth2": oauth.oauth2_configured(),
        },
    )


def _start(request, start):
    try:
        return redirect(start(request))
    except oauth.LinkFailed as exc:
        messages.error(request, str(exc))
        return redirect("accounts:list")


def _finish(request, finish):
    try:
        account, created = finish(request)
    except oauth.LinkRefused as exc:
        return render(request, "accounts/link_refused.html", {"message": str(exc)}, status=403)
    except oauth.LinkCancelled as exc:
        messages.info(request, str(exc))
        return redirect("accounts:list")
    except oauth.LinkFailed as exc:
        messages.error(request, str(exc))
        return redirect("accounts:list")
    if created:
        messages.success(request, f"Linked @{account.username}. Its first poll starts shortly.")
    elif account.state == XAccount.State.PAUSED:
        messages.success(request, f"Re-linked @{account.username}. It is paused: resume to poll.")
    else:
        messages.success(request, f"Re-linked @{account.username}. Polling resumes shortly.")
    return redirect("accounts:list")


@login_required
@require_POST
def link_oauth1(request):
    """Start linking with OAuth 1.0a: off to X's authorize page."""
    return _start(request, oauth.start_oauth1)


@login_required
@require_GET
def oauth1_callback(request):
    """X's redirect back after the OAuth 1.0a approval page."""
    return _finish(request, oauth.finish_oauth1)


@login_required
@require_POST
def link_oauth2(request):
    """Start linking with OAuth 2.0 (PKCE): off to X's authorize page."""
    return _start(request, oauth.start_oauth2)


@login_required
@require_GET
def oauth2_callback(request):
    """X's redirect back after the OAuth 2.0 approval page."""
    return _finish(request, oauth.finish_oauth2)


@login_required
@require_POST
def pause(request, account_id: int):
    """Stop polling an account until resumed."""
    account = access.account_for(request.user, account_id, access.MANAGER)
    if account.pause(reason=f"Paused by {request.user.get_username()}."):
        messages.success(request, f"Paused @{account.username}. Its history is kept.")
    else:
        messages.warning(request, f"@{account.username} is not active, so it was not paused.")
    return redirect("accounts:list")


@login_required
@require_POST
def resume(request, account_id: int):
    """Poll a paused account again."""
    account = access.account_for(request.user, account_id, access.MANAGER)
    if account.resume():
        messages.success(request, f"Resumed @{account.username}: queued, within a minute.")
    else:
        messages.warning(request, f"@{account.username} is not paused, so nothing changed.")
    return redirect("accounts:list")


@login_required
@require_POST
def poll_now(request, account_id: int):
    """Make an account due now."""
    account = access.account_for(request.user, account_id, access.MANAGER)
    if account.poll_now():
        messages.success(request, f"Poll of @{account.username} queued, within a minute.")
    else:
        messages.warning(request, f"@{account.username} is not active, so it cannot be polled.")
    return redirect("accounts:list")


class UnlinkForm(forms.Form):
    KEEP = ("keep", "Keep the history: stop polling and forget the tokens")
    DELETE = ("delete", "Delete everything: the account and all its Tweets and metrics")

    what = forms.ChoiceField(
        label="What should happen to what was polled so far?", widget=forms.RadioSelect
    )

    def __init__(self, *args, account: XAccount, **kwargs):
        super().__init__(*args, **kwargs)
        # An account already unlinked with its history kept can only be deleted.
        revoked = account.state == XAccount.State.REVOKED
        self.fields["what"].choices = [self.DELETE] if revoked else [self.KEEP, self.DELETE]


@login_required
@require_http_methods(["GET", "POST"])
def unlink(request, account_id: int):
    """Confirm, then unlink: keep the history or delete everything."""
    account = access.account_for(request.user, account_id, access.OWNER)
    form = UnlinkForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["what"] == "keep"
        warning = oauth.unlink(account, keep_history=keep)
        done = "its history is kept" if keep else "everything polled was deleted"
        messages.success(request, f"Unlinked @{account.username}; {done}.")
        if warning:
            messages.warning(request, warning)
        return redirect("accounts:list")
    return render(request, "accounts/unlink.html", {"account": account, "form": form})


# --- sharing (the owner only) ------------------------------------------------------------


class ShareForm(forms.Form):
    who = forms.CharField(
        label="Username or email address",
        max_length=254,
        help_text="Someone here, by their username; or anyone, by email: they get an invitation.",
    )
    role = forms.ChoiceField(choices=AccountAccess.Role.choices, initial=AccountAccess.Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=AccountAccess.Role.choices)


def _render_sharing(request, account, form):
    context = {
        "account": account,
        "form": form,
        "accesses": account.accesses.select_related("user").order_by("granted_at", "pk"),
        "pending": PendingAccess.objects.filter(account=account)
        .select_related("invitation")
        .order_by("invitation__created_at", "pk"),
        "roles": AccountAccess.Role.choices,
    }
    return render(request, "accounts/sharing.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def sharing_page(request, account_id: int):
    """Who has access to an account; share it with someone here, or invite them by email."""
    account = access.account_for(request.user, account_id, access.OWNER)
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = sharing.share(account, data["who"], data["role"], request.user)
        except sharing.Refused as exc:
            form.add_error("who", str(exc))
        else:
            messages.success(request, done)
            return redirect("accounts:sharing", account.pk)
    return _render_sharing(request, account, form)


@login_required
@require_POST
def change_role(request, account_id: int, access_id: int):
    """Make someone with access a manager or a viewer."""
    account = access.account_for(request.user, account_id, access.OWNER)
    granted = get_object_or_404(account.accesses.select_related("user"), pk=access_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The role was not changed: choose manager or viewer.")
        return redirect("accounts:sharing", account.pk)
    granted.role = form.cleaned_data["role"]
    granted.save(update_fields=["role"])
    messages.success(request, f"{granted.user.get_username()} is now a {granted.role}.")
    return redirect("accounts:sharing", account.pk)


@login_required
@require_POST
def remove_access(request, account_id: int, access_id: int):
    """Take someone's access away; their next request already finds nothing."""
    account = access.account_for(request.user, account_id, access.OWNER)
    granted = get_object_or_404(account.accesses.select_related("user"), pk=access_id)
    granted.delete()
    messages.success(
        request, f"{granted.user.get_username()} no longer has access to @{account.username}."
    )
    return redirect("accounts:sharing", account.pk)


@login_required
@require_POST
def withdraw_invitation(request, account_id: int, pending_id: int):
    """Withdraw the access an invitation carries for this account (the invitation itself
    stays: it may carry other accounts, or be the person's way in)."""
    account = access.account_for(request.user, account_id, access.OWNER)
    pending = get_object_or_404(
        PendingAccess.objects.select_related("invitation"), pk=pending_id, account=account
    )
    pending.delete()
    messages.success(
        request, f"{pending.invitation.email} will not get access to @{account.username}."
    )
    return redirect("accounts:sharing", account.pk)
