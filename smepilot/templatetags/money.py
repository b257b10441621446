"""``{{ amount|money:currency }}``: an amount written in the reader's language (smepilot.l10n)."""

from django import template

from smepilot.l10n import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    """The one way an amount is shown, on pages and in emails: "KES 1,200,000.00", "1 200 000,00 KES"."""
    return format_money(amount, currency)
