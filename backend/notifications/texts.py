"""What leaves the app (push, SMS, e-mail): a fixed, content-free sentence per kind of event.

Workers share phones and live with employers who may read their lock screen, so an outbound
text never names a person, a category, an amount, a document or what happened — only that
there is something to see in the app and, at most, the case reference (``FT-XXXX-XXXX``),
which means nothing without signing in. Texts are gettext messages rendered in the
recipient's ``preferred_language``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _

#: The only shape of reference ever printed outside the app. Anything else is dropped.
SUBJECT_REF = re.compile(r"^FT-[0-9A-Z]{4}-[0-9A-Z]{4}$")

TEMPLATES = {
    "update": {
        "ref": _("Fairtrail: there is an update on %(ref)s. Open the app to see it."),
        "plain": _("Fairtrail: there is an update in your app."),
    },
    "urgent": {
        "ref": _("Fairtrail: something needs your attention on %(ref)s. Please open the app."),
        "plain": _("Fairtrail: something needs your attention. Please open the app."),
    },
    "reminder": {
        "ref": _("Fairtrail: a reminder about %(ref)s is waiting in your app."),
        "plain": _("Fairtrail: a reminder is waiting in your app."),
    },
}
TITLE = _("Fairtrail")
EMAIL_SUBJECT = _("Fairtrail: you have an update")
EMAIL_FOOTER = _(
    "This message does not contain any details, to keep them private. "
    "Sign in to the Fairtrail app to read them."
)

#: Events whose texts say "reminder"; everything else is an "update" (or "urgent").
REMINDER_EVENTS = frozenset(
    {
        "vault.document_expiring",
        "vault.grant_expiring",
        "complaint.awaiting_information",
        "complaint.overdue",
        "retention.warning",
    }
)


@dataclass(frozen=True)
class OutboundText:
    title: str
    body: str
    email_subject: str
    email_body: str


def template_kind(*, event: str, urgent: bool) -> str:
    if urgent:
        return "urgent"
    return "reminder" if event in REMINDER_EVENTS else "update"


def safe_ref(subject_ref: str) -> str:
    return subject_ref if SUBJECT_REF.match(subject_ref or "") else ""


@lru_cache(maxsize=4096)
def render(*, event: str, subject_ref: str, urgent: bool, language: str) -> OutboundText:
    """The outbound text for one notification in ``language``. Only the event's *kind* and a
    well-formed reference are used: nothing from ``data`` can reach the text. Cached: the
    result depends on these four values only (catalogs are fixed for a process's lifetime)."""
    ref = safe_ref(subject_ref)
    template = TEMPLATES[template_kind(event=event, urgent=urgent)]
    with translation.override(language):
        body = str(template["ref"]) % {"ref": ref} if ref else str(template["plain"])
        return OutboundText(
            title=str(TITLE),
            body=body,
            email_subject=str(EMAIL_SUBJECT),
            email_body=f"{body}\n\n{EMAIL_FOOTER}",
        )
