"""Notification reads."""

from __future__ import annotations

import zoneinfo

from django.db.models import QuerySet

from backend.notifications.models import Notification, NotificationPreference, PushToken
from backend.notifications.policies import notifications_visible_to, push_tokens_visible_to

#: Default time zone by country when the user chose none (the corridors Fairtrail serves).
COUNTRY_TIME_ZONES = {
    "AE": "Asia/Dubai",
    "BD": "Asia/Dhaka",
    "BH": "Asia/Bahrain",
    "HK": "Asia/Hong_Kong",
    "ID": "Asia/Jakarta",
    "IN": "Asia/Kolkata",
    "JP": "Asia/Tokyo",
    "KH": "Asia/Phnom_Penh",
    "KR": "Asia/Seoul",
    "KW": "Asia/Kuwait",
    "LA": "Asia/Vientiane",
    "LK": "Asia/Colombo",
    "MM": "Asia/Yangon",
    "MY": "Asia/Kuala_Lumpur",
    "NP": "Asia/Kathmandu",
    "OM": "Asia/Muscat",
    "PH": "Asia/Manila",
    "PK": "Asia/Karachi",
    "QA": "Asia/Qatar",
    "SA": "Asia/Riyadh",
    "SG": "Asia/Singapore",
    "TH": "Asia/Bangkok",
    "TW": "Asia/Taipei",
    "VN": "Asia/Ho_Chi_Minh",
}


def notification_inbox(*, user, unread: bool = False) -> QuerySet[Notification]:
    """The user's inbox, newest first. One query, no joins: rows carry everything shown."""
    queryset = notifications_visible_to(user)
    if unread:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def push_token_list(*, user) -> QuerySet[PushToken]:
    return push_tokens_visible_to(user).order_by("-created_at", "-id")


def preference_get(*, user) -> NotificationPreference:
    """The stored preferences, or unsaved defaults (nothing is written on read)."""
    preference = NotificationPreference.objects.filter(user_id=user.pk).first()
    return preference or NotificationPreference(user=user)


def user_time_zone(user, preference: NotificationPreference | None = None) -> zoneinfo.ZoneInfo:
    """The zone reminders are computed in: the chosen one, else the country's, else UTC."""
    name = preference.time_zone if preference is not None else ""
    name = name or COUNTRY_TIME_ZONES.get(getattr(user, "country", "") or "", "UTC")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
