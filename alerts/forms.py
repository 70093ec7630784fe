"""The form behind an account's alert rules page: one rule, spike or threshold."""

from django import forms

from .models import AlertRule


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ("kind", "metric", "factor", "threshold", "enabled")
        labels = {"factor": "k (spike rules)", "threshold": "Number (threshold rules)"}

    def clean(self):
        """A spike rule needs k and no number; a threshold rule the number and no k."""
        data = super().clean()
        kind = data.get("kind")
        if kind == AlertRule.Kind.SPIKE:
            if data.get("factor") is None and "factor" not in self.errors:
                self.add_error("factor", "A spike rule needs k, e.g. 3.")
            data["threshold"] = None
        elif kind == AlertRule.Kind.THRESHOLD:
            if data.get("threshold") is None and "threshold" not in self.errors:
                self.add_error("threshold", "A threshold rule needs the number to cross.")
            data["factor"] = None
        return data
