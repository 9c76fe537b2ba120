from django.conf import settings


def portal(request):
    """Name, licence and citation details every page shows in its header and footer."""
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_DATA_LICENCE": settings.PORTAL_DATA_LICENCE,
        "PORTAL_DATA_LICENCE_URL": settings.PORTAL_DATA_LICENCE_URL,
    }
