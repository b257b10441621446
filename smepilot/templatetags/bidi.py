"""``{{ value|bdi }}``: text people typed, isolated for direction inside a sentence.

A name, an SME's name or a reason may be Arabic inside a French sentence or Latin inside an Arabic
one. Without isolation the browser's bidirectional algorithm lets the typed text's direction run
into the sentence around it: punctuation and numbers land on the wrong side. ``<bdi>`` gives the
typed text a direction of its own, guessed from its first strong character.
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def bdi(value):
    """The value escaped and wrapped in <bdi> (nothing for an empty value)."""
    if value in (None, ""):
        return ""
    return format_html("<bdi>{}</bdi>", value)
