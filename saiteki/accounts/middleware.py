"""Per-request user state: login requirement, selected fiscal year, language and date preferences."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from saiteki.core.fiscal import fiscal_year_of

# Paths reachable without logging in. The API authenticates itself (session or token) and answers 401
# rather than redirecting to a login page.
PUBLIC_PREFIXES = ("/accounts/login/", "/accounts/oidc/", "/static/", "/api/", "/i18n/", "/healthz")
# ...except the API's browser pages, which are pages: an anonymous visitor is sent to the login.
LOGIN_PAGES_UNDER_API = ("/api/docs/",)


class LoginRequiredMiddleware:
    """Every page needs a logged-in user: secure by default, no view can forget it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        public = request.path.startswith(PUBLIC_PREFIXES) and not request.path.startswith(
            LOGIN_PAGES_UNDER_API
        )
        if not request.user.is_authenticated and not public:
            # The whole path with its query, encoded: a deep link with several filters (a=1&b=2) must
            # come back whole after the login.
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Puts ``request.fiscal_year`` (the year chosen in the header switcher) and ``request.date_style``
    on every request, and applies the user's language unless they switched it for this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current_fy = fiscal_year_of(datetime.date.today())
        request.current_fiscal_year = current_fy
        try:
            request.fiscal_year = int(request.session.get("fiscal_year", current_fy))
        except (TypeError, ValueError):
            request.fiscal_year = current_fy
        user = getattr(request, "user", None)
        request.date_style = (
            getattr(user, "date_style", "wareki") if user and user.is_authenticated else "wareki"
        )
        return self.get_response(request)
