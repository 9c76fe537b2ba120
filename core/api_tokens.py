"""API tokens: each lasts API_TOKEN_MAX_AGE_DAYS, and ends when a new one is issued for its account
or the account's password changes. POST /api/v1/auth/token/ (api_auth.py) issues them.

Apart from api_auth.py because DRF imports the authentication class while it defines its views."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def api_token_expiry(token: Token) -> datetime:
    return token.created + timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


@transaction.atomic
def api_token_issue(*, user) -> Token:
    """A new token for `user`; the one issued before stops working."""
    # The account's row locked, so that two requests at once cannot both issue (one token a user).
    get_user_model()._default_manager.select_for_update().get(pk=user.pk)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def api_tokens_revoke(*, user) -> None:
    Token.objects.filter(user=user).delete()


class ApiTokensEndWithPassword:
    """In AUTH_PASSWORD_VALIDATORS not to judge passwords but because Django calls password_changed()
    on every validator after a user was saved with a new password: the admin, the password change
    and reset pages, `manage.py changepassword`, anything calling set_password() then save(). A hash
    upgrade at sign-in is not a change and does not call it."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            api_tokens_revoke(user=user)

    def get_help_text(self):
        return _("Choosing a new password ends the API tokens issued before it.")


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than API_TOKEN_MAX_AGE_DAYS with a 401
    that says it expired."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expiry = api_token_expiry(token)
        if expiry <= timezone.now():
            raise AuthenticationFailed(
                f"This API token expired on {expiry:%Y-%m-%d %H:%M} UTC. "
                "Ask for a new one with POST /api/v1/auth/token/ (username and password).",
                code="token_expired",
            )
        return user, token
