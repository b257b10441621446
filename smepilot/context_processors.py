from django.conf import settings


def site(request):
    """What every page's layout needs: the secretariat's contact (from the letter)."""
    return {
        "SECRETARIAT_EMAIL": settings.SECRETARIAT_EMAIL,
        "TIES_ENABLED": settings.TIES_ENABLED,
    }
