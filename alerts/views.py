"""An account's alert rules page (/alerts/accounts/<id>/): its owner and managers list,
add, change and delete rules; viewers get a 403 saying who may, others a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import access

from .forms import AlertRuleForm
from .models import Alert, AlertRule

RECENT = 20
# Every rule is one query after each of the account's polls: a bound keeps polls cheap.
MAX_RULES = 20


def _account(request, account_id: int):
    return access.account_for(request.user, account_id, access.MANAGER)


@login_required
def rules(request, account_id: int):
    """The account's rules and its latest alerts; POST adds a rule."""
    account = _account(request, account_id)
    form = AlertRuleForm(request.POST or None, initial={"factor": 3})
    if request.method == "POST" and account.alert_rules.count() >= MAX_RULES:
        form.add_error(None, f"An account has at most {MAX_RULES} rules: change or delete one.")
    if request.method == "POST" and form.is_valid():
        rule = form.save(commit=False)
        rule.account, rule.created_by = account, request.user
        rule.save()
        messages.success(request, f"Alert rule added: {rule.describe()}.")
        return redirect("alerts:rules", account.pk)
    context = {
        "account": account,
        "rules": account.alert_rules.select_related("created_by"),
        "alerts": Alert.objects.filter(account=account).select_related("incident")[:RECENT],
        "form": form,
    }
    return render(request, "alerts/rules.html", context)


@login_required
def edit(request, account_id: int, rule_id: int):
    """Change one rule of the account."""
    account = _account(request, account_id)
    rule = get_object_or_404(AlertRule, account=account, pk=rule_id)
    form = AlertRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Alert rule saved: {rule.describe()}.")
        return redirect("alerts:rules", account.pk)
    return render(request, "alerts/edit.html", {"account": account, "form": form})


@login_required
@require_POST
def delete(request, account_id: int, rule_id: int):
    """Delete one rule (its alerts go with it from the ledger)."""
    account = _account(request, account_id)
    rule = get_object_or_404(AlertRule, account=account, pk=rule_id)
    rule.delete()
    messages.success(request, f"Alert rule deleted: {rule.describe()}.")
    return redirect("alerts:rules", account.pk)
