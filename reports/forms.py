"""The report settings page's forms: where reports go, and one form per frequency."""

from django import forms

from accounts.models import XAccount

from .models import ReportSubscription

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class RecipientForm(forms.Form):
    """The address reports go to (the person's account address; a new one is used only
    once confirmed). Their timezone is set on the dashboard's settings page, the one place
    that edits it."""

    email = forms.EmailField(label="Send reports to")

    def save(self, user) -> None:
        user.email = self.cleaned_data["email"]
        user.save(update_fields=["email"])


class SubscriptionForm(forms.ModelForm):
    """One frequency: on or off, the local hour, and the accounts it covers."""

    class Meta:
        model = ReportSubscription
        fields = ["enabled", "local_hour", "accounts"]
        labels = {"enabled": "Send this report", "local_hour": "At", "accounts": "Accounts"}
        widgets = {
            "local_hour": forms.Select(choices=HOURS),
            "accounts": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only accounts the person may see can be chosen; any other id is refused as invalid.
        self.fields["accounts"].queryset = XAccount.objects.visible_to(user).order_by("username")
        self.fields["accounts"].help_text = "None ticked: every account you have or share."
