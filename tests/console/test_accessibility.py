"""Keyboard and screen-reader basics on the console's pages: every form control has a label,
the skip link leads to the main region, focus is visible, and no control is taken out of the
tab order."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from backend.complaints.models import State
from tests import factories
from tests.agencies.conftest import make_review
from tests.complaints.conftest import Case
from tests.console.conftest import sign_in

pytestmark = pytest.mark.django_db

CSS = Path(settings.BASE_DIR) / "backend/console/static/console/console.css"


class Controls(HTMLParser):
    """Form controls, the ids labels point at, and what else the checks need."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.open_labels = 0
        self.skip_href: str | None = None
        self.negative_tabindex: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if a.get("tabindex", "0").startswith("-") and tag in ("a", "button", "input", "select"):
            self.negative_tabindex.append(f"{tag}#{a.get('id')}")
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag == "a" and "skip" in (a.get("class") or "").split():
            self.skip_href = a.get("href")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append({**a, "_tag": tag, "_in_label": self.open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def unlabelled(html: str, *, at_least: int = 1) -> list[str]:
    parser = Controls()
    parser.feed(html)
    assert len(parser.controls) >= at_least  # the check saw the page's form
    assert parser.skip_href == "#main" and "main" in parser.ids
    assert not parser.negative_tabindex, parser.negative_tabindex
    return [
        f"{c['_tag']} name={c.get('name')} id={c.get('id')}"
        for c in parser.controls
        if not (
            c["_in_label"]
            or c.get("aria-label")
            or c.get("aria-labelledby")
            or (c.get("id") and c["id"] in parser.label_for)
        )
    ]


@pytest.fixture(autouse=True)
def _no_burst_detector(settings):
    settings.AGENCY_BURST_THRESHOLD = 10_000


def test_sign_in_pages_label_every_control(client):
    assert unlabelled(client.get("/console/login/").content.decode(), at_least=2) == []


def test_staff_pages_label_every_control():
    case = Case()
    complaint = case.to(State.INVESTIGATING)
    pages = {
        case.assignee: ["/console/queue/", f"/console/cases/{complaint.pk}/", "/console/agencies/"],
        case.caseworker: ["/console/cases/", "/console/cases/new/"],
        case.supervisor: ["/console/statistics/"],
    }
    moderator = factories.ModeratorFactory()
    make_review(factories.AgencyFactory(), comment="They kept my passport.")
    pages[moderator] = ["/console/moderation/"]
    problems = {}
    for user, urls in pages.items():
        client = sign_in(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            at_least = 0 if url in ("/console/cases/", "/console/statistics/") else 1
            if missing := unlabelled(response.content.decode(), at_least=at_least):
                problems[url] = missing
    assert problems == {}


def test_focus_is_visible_and_the_skip_link_shows_on_focus():
    css = CSS.read_text()
    assert ":focus-visible" in css and "outline: none" not in css.split(":focus-visible")[0]
    assert ".skip:focus" in css
