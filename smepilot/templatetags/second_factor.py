"""``{% second_factor_next as url %}``: the page to go back to once the second factor is set up, if any.

The page that asks for a second factor keeps it in the session (smepilot.second_factor_views):
allauth's own set-up pages end on the recovery codes, which then offer the way back.
"""

from django import template

from smepilot.second_factor import NEXT_SESSION_KEY, safe_next, second_factor_passed

register = template.Library()


@register.simple_tag(takes_context=True)
def second_factor_next(context):
    request = context.get("request")
    if request is None or not second_factor_passed(request):
        return ""
    url = request.session.get(NEXT_SESSION_KEY)
    return safe_next(request, url) if url else ""
