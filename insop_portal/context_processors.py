from django.conf import settings
from django.utils.translation import gettext, gettext_noop

# The portal's name in the catalogs: the header and the window title say it in the visitor's language;
# citations keep the name as settings.PORTAL_NAME gives it, so that a reference stays the same.
gettext_noop("INSOP Soil Pollutant Threshold Portal")


def portal(request):
    """Name, licence and citation details every page shows in its header and footer."""
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_TITLE": gettext(settings.PORTAL_NAME),
        "PORTAL_DATA_LICENCE": settings.PORTAL_DATA_LICENCE,
        "PORTAL_DATA_LICENCE_URL": settings.PORTAL_DATA_LICENCE_URL,
    }
