"""Signing in and resetting a password.

Focal points are invited by e-mail, so they sign in with their username or their e-mail address.
Either way django-axes counts failed sign-ins under the account's username (and the client's
address), so typing the e-mail address gives no extra tries. Every way in (the sign-in page, the
admin's, POST /api/v1/auth/token/) goes through Django's authenticate() and so through both.

Password-reset e-mails are limited per e-mail address and per client address.
"""

from __future__ import annotations

import hashlib
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpResponseRedirect

from core.client_address import client_address

logger = logging.getLogger(__name__)

# django-axes keeps the name an attempt was made under in 255-character columns; a longer one failed
# to be stored (a 500 on PostgreSQL). No account has a longer name (usernames hold 150 characters,
# e-mail addresses 254), so the attempt fails as any unknown name does.
LOCKOUT_USERNAME_MAX_LENGTH = 255
EMAIL_MAX_LENGTH = 254


def sign_in_username(typed: str | None) -> str | None:
    """The username a sign-in is for: what was typed if it is a username, else the username of the
    one account with that e-mail address (in any case), else what was typed."""
    if not typed or len(typed) > EMAIL_MAX_LENGTH:
        return typed
    User = get_user_model()
    if "@" not in typed or User._default_manager.filter(username=typed).exists():
        return typed
    matches = list(User._default_manager.filter(email__iexact=typed).values_list("username", flat=True)[:2])
    return matches[0] if len(matches) == 1 else typed


def lockout_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name django-axes counts an attempt under."""
    field = get_user_model().USERNAME_FIELD
    typed = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    if not isinstance(typed, str):
        return typed
    return sign_in_username(typed)[:LOCKOUT_USERNAME_MAX_LENGTH]


class UsernameOrEmailBackend(ModelBackend):
    """Django's own backend, with an e-mail address standing for its account's username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return super().authenticate(request, username=sign_in_username(username), password=password, **kwargs)


# ---- password reset ------------------------------------------------------------------------------

PASSWORD_RESETS_PER_EMAIL = 3
PASSWORD_RESETS_PER_CLIENT = 10
PASSWORD_RESET_WINDOW_SECONDS = 60 * 60


def _count_in_window(kind: str, value: str) -> int:
    """How many times `value` was seen in the current window, this time included (in the cache, so
    shared by every server process when CACHE_URL names Redis)."""
    key = f"password-reset:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"
    cache.add(key, 0, timeout=PASSWORD_RESET_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=PASSWORD_RESET_WINDOW_SECONDS)
        return 1


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, sending at most PASSWORD_RESETS_PER_EMAIL e-mails to one address and
    answering PASSWORD_RESETS_PER_CLIENT requests from one client an hour. Past either, the page is
    the same as when an e-mail was sent, so it tells nobody whether an address has an account."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        address = client_address(self.request) or "unknown"
        for_email = _count_in_window("email", email)
        from_client = _count_in_window("client", address)
        if for_email > PASSWORD_RESETS_PER_EMAIL or from_client > PASSWORD_RESETS_PER_CLIENT:
            logger.warning(
                "Password reset not sent to %s: request %d for this e-mail address and %d from %s this hour "
                "(limits %d and %d).",
                email,
                for_email,
                from_client,
                address,
                PASSWORD_RESETS_PER_EMAIL,
                PASSWORD_RESETS_PER_CLIENT,
            )
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
