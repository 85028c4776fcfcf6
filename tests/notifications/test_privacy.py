"""Nothing outside the app carries content: every template, every language, every channel."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction

from backend.notifications import texts
from backend.notifications.models import NotificationPreference, PushToken
from backend.notifications.services import notify
from backend.vault.models import DocumentKind

pytestmark = pytest.mark.django_db

EVENTS = [
    "complaint.state_changed",
    "complaint.message",
    "complaint.overdue",
    "complaint.awaiting_information",
    "vault.document_shared",
    "vault.document_opened",
    "vault.document_expiring",
    "vault.grant_expiring",
    "retention.warning",
    "something.new",
]
#: What test data elsewhere contains and must never leak: names, categories, amounts, titles.
SECRETS = {
    "Somchai Jaidee",
    "Golden Bridge Manpower",
    "unpaid wages",
    "passport confiscation",
    "wage_theft",
    "45,000",
    "45000",
    "THB",
    "My contract",
    "Visa or work permit",
    "employment_contract",
    "+66812345678",
    "inspector@example.org",
}
SENSITIVE_WORDS = [
    *SECRETS,
    *(str(label) for _, label in DocumentKind.choices),
    *(value for value, _ in DocumentKind.choices),
]


def assert_clean(text: str) -> None:
    lowered = text.lower()
    for word in SENSITIVE_WORDS:
        assert word.lower() not in lowered, (word, text)


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("urgent", [False, True])
@pytest.mark.parametrize("subject_ref", ["FT-7K3Q-9M2D", "", "Somchai Jaidee unpaid wages"])
def test_every_template_in_every_language_is_content_free(language, event, urgent, subject_ref):
    text = texts.render(event=event, subject_ref=subject_ref, urgent=urgent, language=language)

    for part in (text.title, text.body, text.email_subject, text.email_body):
        assert part.strip()
        assert_clean(part)
    if subject_ref == "FT-7K3Q-9M2D":
        assert "FT-7K3Q-9M2D" in text.body
    assert len(text.body) <= 160 or language != "en"  # one SMS in English


def test_templates_cover_every_kind():
    assert set(texts.TEMPLATES) == {"update", "urgent", "reminder"}
    for variants in texts.TEMPLATES.values():
        assert "%(ref)s" in str(variants["ref"]) and "%(ref)s" not in str(variants["plain"])


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_outbound_messages_carry_no_content_end_to_end(
    language, worker, sink, sms, mailoutbox, django_capture_on_commit_callbacks, settings
):
    """Sensitive values in ``data`` and a bogus reference never reach push, SMS or e-mail."""
    settings.NOTIFICATIONS_URGENT_ACK_SECONDS = 0
    worker.preferred_language = language
    worker.save()
    PushToken.objects.create(user=worker, platform="android", token="token-privacy-000001")
    NotificationPreference.objects.create(
        user=worker, email=True, email_address="worker@example.org"
    )
    from backend.notifications import channels

    settings.NOTIFICATIONS_PUSH_PROVIDERS = {
        "android": "tests.notifications.test_privacy.CaptureProvider",
        "ios": "tests.notifications.test_privacy.CaptureProvider",
    }
    channels.reset_backends()
    CaptureProvider.texts.clear()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(
            event="complaint.state_changed",
            event_key="complaint:leak:1",
            recipients=[worker],
            subject_ref="Somchai Jaidee",
            data={"category": "wage_theft", "amount": "45,000 THB", "name": "Somchai Jaidee"},
            urgent=True,
        )
    from backend.notifications.dispatch import urgent_fallbacks_send

    with django_capture_on_commit_callbacks(execute=True):
        assert urgent_fallbacks_send() == 1

    outbound = [
        *(t.body for t in CaptureProvider.texts),
        *(m.body for m in sms),
        *(m.subject + m.body for m in mailoutbox),
    ]
    assert len(outbound) == 3  # push, SMS fallback, e-mail
    for text in outbound:
        assert_clean(text)


class CaptureProvider:
    texts: list = []

    def send(self, *, token, message):
        CaptureProvider.texts.append(message.text)
