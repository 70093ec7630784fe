"""The alert settings page's forms: a new webhook destination, and quiet hours."""

from django import forms

from . import targets
from .models import Destination, QuietHours

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]
# Enough for every channel a person could want; a cap on what one account makes us post to.
MAX_DESTINATIONS = 10


class DestinationForm(forms.Form):
    """A webhook: its kind, a name to recognise it by, and its URL (checked by the rules of
    notifications/targets.py, resolving the host now)."""

    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in Destination.Kind if k != Destination.Kind.EMAIL]
    )
    name = forms.CharField(max_length=80)
    url = forms.CharField(label="URL", max_length=targets.MAX_LENGTH)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            targets.check(url)
        except targets.RefusedURL as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean(self):
        if Destination.objects.filter(user=self.user).count() >= MAX_DESTINATIONS:
            raise forms.ValidationError(
                f"You have {MAX_DESTINATIONS} destinations, the most there can be: "
                "remove one first."
            )
        return super().clean()

    def save(self) -> tuple[Destination, str | None]:
        """The new destination, and its signing secret (signed JSON only) to show once."""
        destination = Destination(
            user=self.user, kind=self.cleaned_data["kind"], name=self.cleaned_data["name"]
        )
        secret = destination.set_url(self.cleaned_data["url"])
        destination.save()
        return destination, secret


class QuietHoursForm(forms.Form):
    """From one hour to another, in the person's timezone; off when unticked."""

    enabled = forms.BooleanField(required=False, label="Hold alerts during quiet hours")
    start = forms.TypedChoiceField(choices=HOURS, coerce=int, initial=22, label="From")
    end = forms.TypedChoiceField(choices=HOURS, coerce=int, initial=7, label="Until")

    def clean(self):
        data = super().clean()
        if data.get("enabled") and data.get("start") == data.get("end"):
            raise forms.ValidationError("Quiet hours need a different start and end hour.")
        return data

    @classmethod
    def for_user(cls, user, data=None) -> "QuietHoursForm":
        hours = QuietHours.objects.filter(user=user).first()
        initial = {"enabled": True, "start": hours.start, "end": hours.end} if hours else None
        return cls(data, initial=initial)

    def save(self, user) -> None:
        if not self.cleaned_data["enabled"]:
            QuietHours.objects.filter(user=user).delete()
            return
        QuietHours.objects.update_or_create(
            user=user,
            defaults={"start": self.cleaned_data["start"], "end": self.cleaned_data["end"]},
        )
