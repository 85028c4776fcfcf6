"""Sign-in (password, then TOTP or a recovery code), first-time TOTP enrolment by QR code,
sign-out and sign-out everywhere."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.accounts.models import Role
from backend.complaints import policies as complaint_policies
from backend.console import services
from backend.console.views.common import client_ip, safe_next


def _home_for(user) -> str:
    if user.role == Role.INSPECTOR:
        return reverse("console:queue")
    if user.role == Role.NGO_CASEWORKER:
        return reverse("console:cases")
    if user.role in (Role.MODERATOR, Role.ADMIN):
        if user.role == Role.ADMIN and complaint_policies.can_see_statistics(user):
            return reverse("console:statistics")
        return reverse("console:moderation")
    return reverse("console:login")


def home(request):
    return redirect(_home_for(request.user))


@require_http_methods(["GET", "POST"])
def login(request):
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = services.password_check(
                request=request,
                username=request.POST.get("username", "").strip(),
                password=request.POST.get("password", ""),
                client_ip=client_ip(request),
            )
        except services.SignInError as exc:
            error = exc.message
            status = exc.status_code
        else:
            services.pending_set(request, user)
            next_url = safe_next(request, "")
            target = "console:verify" if services.confirmed_totp(user) else "console:enrol"
            url = reverse(target)
            return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
        return render(
            request,
            "console/login.html",
            {"error": error, "next": request.POST.get("next", "")},
            status=status,
        )
    context = {"next": request.GET.get("next", ""), "expired": request.GET.get("expired")}
    return render(request, "console/login.html", context)


@require_http_methods(["GET", "POST"])
def verify(request):
    user = services.pending_user(request)
    if user is None:
        return redirect("console:login")
    if services.confirmed_totp(user) is None:
        return redirect("console:enrol")
    error = None
    status = 200
    if request.method == "POST":
        try:
            device = services.token_check(
                user=user, token=request.POST.get("token", ""), client_ip=client_ip(request)
            )
        except services.SignInError as exc:
            error, status = exc.message, exc.status_code
        else:
            services.sign_in_complete(request=request, user=user, device=device)
            return redirect(safe_next(request, _home_for(user)))
    return render(
        request,
        "console/verify.html",
        {"error": error, "next": request.GET.get("next") or request.POST.get("next", "")},
        status=status,
    )


def _qr_svg(device) -> str:
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    svg = image.to_string(encoding="unicode")
    title = escape(_("QR code for your authenticator app"))
    svg = svg.replace("<svg ", '<svg role="img" aria-labelledby="qr-title" class="qr" ', 1)
    svg = svg.replace(">", f'><title id="qr-title">{title}</title>', 1)
    # Drawn here from the otpauth URL (no user input) and the escaped title: safe to inline.
    return mark_safe(svg)  # noqa: S308


def _secret_b32(device) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "POST"])
def enrol(request):
    user = services.pending_user(request)
    if user is None:
        return redirect("console:login")
    if services.confirmed_totp(user) is not None:
        return redirect("console:verify")
    device = services.enrolment_device(user)
    error = None
    status = 200
    if request.method == "POST":
        try:
            enrolment = services.enrolment_confirm(
                user=user, token=request.POST.get("token", ""), client_ip=client_ip(request)
            )
        except services.SignInError as exc:
            error, status = exc.message, exc.status_code
        else:
            services.sign_in_complete(request=request, user=user, device=enrolment.device)
            return render(
                request,
                "console/recovery_codes.html",
                {
                    "codes": enrolment.recovery_codes,
                    "next": safe_next(request, _home_for(user)),
                },
            )
    return render(
        request,
        "console/enrol.html",
        {
            "qr_svg": _qr_svg(device),
            "secret": _secret_b32(device),
            "error": error,
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
        status=status,
    )


@require_POST
def logout(request):
    services.sign_out(request=request)
    messages.info(request, _("You are signed out."))
    return redirect("console:login")


@require_POST
def logout_everywhere(request):
    services.sign_out(request=request, everywhere=True)
    messages.info(request, _("You are signed out on every device."))
    return redirect("console:login")
