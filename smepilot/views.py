"""The project's own views: the language switcher that remembers a signed-in person's choice."""

from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .languages import account_language_save, language_supported, session_language_use


@require_POST
def set_language(request):
    """Django's ``set_language`` (the cookie, the safe redirect to ``next``), and for a signed-in person
    their account's language too, so that the site and their emails follow it (smepilot.languages).

    A POST only, behind the CSRF check like every form: a GET (a link, a prefetch) changes nothing
    (405). A language the site does not offer changes nothing either, as in Django's view.
    """
    response = django_set_language(request)
    language = language_supported(request.POST.get("language"))
    if language and request.user.is_authenticated:
        account_language_save(user=request.user, language=language)
        session_language_use(request, language)
    return response
