"""Console request guard and security headers.

Under ``/console/`` every page except the sign-in steps needs a valid console session
(``services.session_valid``: staff role, verified TOTP device, current session generation, not
idle); anything else is signed out and sent to the sign-in page. Console responses carry a
strict Content-Security-Policy (no inline script or style: everything comes from static
files), ``no-store`` caching and a Permissions-Policy; X-Frame-Options DENY comes from Django's
clickjacking middleware (``X_FRAME_OPTIONS``), relaxed to SAMEORIGIN only for the evidence
content shown in the viewer's frame.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import auth
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from backend.console import services

PREFIX = "/console/"
PUBLIC_PREFIXES = ("/console/login/", "/console/enrol/")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
#: For decrypted evidence shown inside the viewer's frame: nothing may run or load from it.
CONTENT_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class ConsoleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if not request.path.startswith(PUBLIC_PREFIXES) and not services.session_valid(request):
            had_session = request.user.is_authenticated
            if had_session:  # a half-finished sign-in (password step only) is kept
                auth.logout(request)
            query = {"next": request.get_full_path()}
            if had_session:
                query["expired"] = "1"
            response = HttpResponseRedirect(f"{reverse('console:login')}?{urlencode(query)}")
        else:
            user = request.user
            if user.is_authenticated and user.preferred_language:
                # Signed-in staff read the console in their own language, as in the API.
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        return self.secure(response)

    @staticmethod
    def secure(response):
        if getattr(response, "console_content", False):
            response["Content-Security-Policy"] = CONTENT_CSP
        else:
            response["Content-Security-Policy"] = CSP
        response["Permissions-Policy"] = PERMISSIONS_POLICY
        response["Cache-Control"] = "no-store"
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        return response
