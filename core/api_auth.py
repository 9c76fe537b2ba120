"""POST /api/v1/auth/token/: a username (or e-mail address) and password for a new API token,
locked out after repeated wrong passwords exactly like the sign-in pages (django-axes: same counter,
same cool-off, same log). Each call issues a new token and ends the one before (api_tokens.py)."""

from axes.helpers import get_cool_off
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.api_tokens import api_token_expiry, api_token_issue

LOCKED_OUT = (
    "Too many failed sign-in attempts for this account from your address. "
    "Try again after the number of seconds in Retry-After, or ask a curator to unlock the account."
)


class TokenView(ObtainAuthToken):
    # A client holding an expired token may send it along: it must still be able to get a new one.
    authentication_classes = ()
    # ObtainAuthToken names DRF's own parsers; the portal's turn a body nested too deeply into a 400.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def get_serializer_context(self):
        # The serializer authenticates with this request: Django's own, on which django-axes keeps
        # its state (DRF's request wraps it, and the lockout would not be seen).
        return {**super().get_serializer_context(), "request": self.request._request}

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            http_request = request._request
            if not getattr(http_request, "axes_locked_out", False):
                raise
            # Answered here in the API's error shape; AxesMiddleware would answer with a web page.
            http_request.axes_locked_out = False
            cool_off = get_cool_off(http_request)
            raise Throttled(wait=cool_off.total_seconds() if cool_off else None, detail=LOCKED_OUT) from None
        token = api_token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key, "expires": api_token_expiry(token)})
