"""Phone numbers: parsed with ``phonenumbers`` and stored in E.164 (``+66812345678``)."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

from backend.core.errors import AppError


def phone_normalize(raw: str, *, field: str = "phone") -> str:
    """Return ``raw`` in E.164, or raise a validation ``AppError`` on ``field``.

    Only international numbers (with the leading ``+`` and country code) are accepted: the app
    sends what the worker typed with the country picker, and guessing a home region for a
    migrant worker is wrong more often than not.
    """
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise AppError(
            _("Enter a valid phone number."),
            code="validation_error",
            fields={field: [_("Use the international format, e.g. +66812345678.")]},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
