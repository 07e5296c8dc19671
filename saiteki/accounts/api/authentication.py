"""Token authentication with an expiry (``SAITEKI_TOKEN_MAX_AGE_DAYS``).

DRF's tokens never expire; a leaked token would work for ever. An expired token is deleted and the call
is refused with the API's error body, so the client fetches a new one from ``/api/v1/auth/token/``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from saiteki.accounts.selectors import token_is_expired


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            token.delete()
            raise TokenExpired(_("APIトークンの有効期限が切れました。トークンを発行し直してください。"))
        return user, token
