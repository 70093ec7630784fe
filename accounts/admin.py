"""Admin for linked X accounts (and who they are shared with), profiles and invitations.

Tokens never reach the admin: `tokens_encrypted` is in no form, list, filter, search or
read-only field, not even masked; the change page only says whether tokens are stored.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse

from . import invitations
from .models import AccountAccess, Invitation, PendingAccess, Profile, XAccount

TOKEN_FIELDS = ("tokens_encrypted",)


class ReauthForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        initial="An administrator asked for the account to be linked again.",
        help_text="Shown to the account's owner, beside the button to re-link.",
        widget=forms.TextInput(attrs={"size": 80}),
    )


class AccountAccessInline(admin.TabularInline):
    """Who else may see the account (viewer) or also pause, resume and poll it (manager)."""

    model = AccountAccess
    fk_name = "account"
    extra = 0
    fields = ("user", "role", "granted_by", "granted_at")
    readonly_fields = ("granted_by", "granted_at")
    autocomplete_fields = ("user",)


class PendingAccessInline(admin.TabularInline):
    """The accounts an invitation shares: granted to whoever accepts it."""

    model = PendingAccess
    extra = 0
    fields = ("account", "role", "granted_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # owners share from the account's sharing page


@admin.register(XAccount)
class XAccountAdmin(admin.ModelAdmin):
    list_display = (
        "username",
        "owner",
        "state",
        "auth_kind",
        "sandbox",
        "last_poll_at",
        "next_poll_at",
        "token_expires_at",
        "linked_at",
    )
    list_filter = ("state", "auth_kind", "sandbox", "has_promoted")
    search_fields = ("username", "name", "=x_user_id", "owner__username", "owner__email")
    date_hierarchy = "linked_at"
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "name", "x_user_id", "owner", "sandbox", "linked_at")}),
        ("State", {"fields": ("state", "state_reason", "last_poll_at", "next_poll_at")}),
        (
            "Authorisation",
            {
                "description": "The tokens themselves are never shown, here or anywhere.",
                "fields": ("auth_kind", "tokens_stored", "token_expires_at", "scopes"),
            },
        ),
        (
            "Polling bookkeeping",
            {
                "classes": ("collapse",),
                "fields": (
                    "newest_tweet_id",
                    "has_promoted",
                    "last_public_sweep_at",
                ),
            },
        ),
    )
    # What X and the OAuth flow decided is read-only; state and schedule stay editable.
    readonly_fields = (
        "username",
        "x_user_id",
        "sandbox",
        "linked_at",
        "auth_kind",
        "tokens_stored",
        "token_expires_at",
        "scopes",
        "last_poll_at",
        "newest_tweet_id",
        "has_promoted",
        "last_public_sweep_at",
    )
    exclude = TOKEN_FIELDS
    inlines = (AccountAccessInline,)
    actions = ("poll_now", "pause", "resume", "require_reauth")

    def has_add_permission(self, request):
        return False  # accounts are linked through OAuth by their owners, never typed in

    def save_formset(self, request, form, formset, change):
        for access_form in formset.forms:
            if isinstance(access_form.instance, AccountAccess) and access_form.instance.pk is None:
                access_form.instance.granted_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(boolean=True, description="Tokens stored (encrypted)")
    def tokens_stored(self, account):
        return bool(account.tokens_encrypted)

    def _done(self, request, queryset, changed, verb, reason_not):
        for account in changed:
            self.log_change(request, account, f"{verb} from the admin.")
        skipped = queryset.count() - len(changed)
        if changed:
            names = ", ".join(f"@{a.username}" for a in changed)
            self.message_user(request, f"{verb}: {names}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} account(s) skipped: {reason_not}.", messages.WARNING
            )

    # The same state changes as the accounts page makes (on the model), one conditional
    # UPDATE per account, so a state the poller just set is never overridden.
    @admin.action(description="Poll now (the beat claims them within a minute)")
    def poll_now(self, request, queryset):
        changed = [a for a in queryset if a.poll_now()]
        self._done(request, queryset, changed, "Queued for polling", "not active")

    @admin.action(description="Pause polling")
    def pause(self, request, queryset):
        changed = [a for a in queryset if a.pause(reason="Paused by an administrator.")]
        self._done(request, queryset, changed, "Paused", "not active")

    @admin.action(description="Resume polling")
    def resume(self, request, queryset):
        changed = [a for a in queryset if a.resume()]
        self._done(request, queryset, changed, "Resumed", "not paused")

    @admin.action(description="Require re-authorisation (asks for a reason)")
    def require_reauth(self, request, queryset):
        """Stop polling until the owner links the account again; confirm with a reason."""
        form = ReauthForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            changed = [a for a in queryset if a.require_reauth(reason)]
            self._done(request, queryset, changed, "Re-authorisation required", "unlinked")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Require re-authorisation",
            "accounts": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/xaccount/require_reauth.html", context)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "timezone")
    list_filter = (("timezone", admin.AllValuesFieldListFilter),)
    search_fields = ("user__username", "user__email", "timezone")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)


class InvitationForm(forms.ModelForm):
    """The "invite" form: an address, refused when nobody may join or they already have
    an account."""

    class Meta:
        model = Invitation
        fields = ("email",)

    def clean_email(self):
        email = self.cleaned_data["email"]
        if not invitations.invitations_allowed():
            raise forms.ValidationError("Signing up is closed (SIGNUP=closed): nobody can join.")
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone with this address has an account already.")
        return email


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Staff invite people by email: adding an invitation mails its link (via the
    worker). The links themselves are never shown."""

    form = InvitationForm
    list_display = ("email", "invited_by", "created_at", "sent_at", "accepted_at", "accepted_by")
    list_filter = (("accepted_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("email", "invited_by__username", "accepted_by__username")
    list_select_related = ("invited_by", "accepted_by")
    readonly_fields = ("invited_by", "created_at", "sent_at", "accepted_at", "accepted_by")
    inlines = (PendingAccessInline,)
    actions = ("send_again",)

    def get_readonly_fields(self, request, obj=None):
        # An invitation is made once; afterwards its address is history.
        return ("email", *self.readonly_fields) if obj else ()

    def get_fields(self, request, obj=None):
        return ("email", *self.readonly_fields) if obj else ("email",)

    def get_inlines(self, request, obj):
        return self.inlines if obj else ()  # a new invitation carries no account

    def save_model(self, request, obj, form, change):
        if change:
            return
        obj.pk = invitations.invite(obj.email, invited_by=request.user).pk
        obj.refresh_from_db()  # the admin logs and links the invitation invite() saved

    @admin.action(description="Send the invitation again (a fresh link)")
    def send_again(self, request, queryset):
        pending = [i for i in queryset.filter(accepted_at__isnull=True)]
        for invitation in pending:
            invitation.release_sending()
            invitations.queue(invitation)
        self.message_user(request, f"{len(pending)} invitation(s) queued again.", messages.SUCCESS)
