"""The console speaks the languages the API speaks: the sign-in pages follow Accept-Language,
signed-in pages the user's preferred language."""

from __future__ import annotations

import pytest

from tests import factories
from tests.complaints.conftest import file_complaint
from tests.console.conftest import sign_in

pytestmark = pytest.mark.django_db

SIGN_IN = {
    "id": ("Masuk ke konsol", "Nama pengguna", "Lanjutkan"),
    "th": ("เข้าสู่ระบบคอนโซล", "ชื่อผู้ใช้", "ดำเนินการต่อ"),
    "ne": ("कन्सोलमा साइन इन गर्नुहोस्", "प्रयोगकर्ता नाम", "जारी राख्नुहोस्"),
}


@pytest.mark.parametrize("lang", sorted(SIGN_IN))
def test_sign_in_page_follows_accept_language(client, lang):
    html = client.get("/console/login/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert f'<html lang="{lang}">' in html
    for text in SIGN_IN[lang]:
        assert text in html
    assert "Sign in to the console" not in html


def test_wrong_password_message_is_translated(client):
    user = factories.InspectorFactory()
    response = client.post(
        "/console/login/",
        {"username": user.username, "password": "not it"},
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert "Nama pengguna, kata sandi, atau kode tidak benar." in response.content.decode()


def test_queue_is_in_the_inspectors_language():
    complaint = file_complaint(factories.WorkerFactory())
    inspector = factories.InspectorFactory(country="TH", preferred_language="id")
    html = sign_in(inspector).get("/console/queue/").content.decode()
    assert '<html lang="id">' in html
    for text in ("Pengaduan di wilayah kewenangan Anda", "Antrean", "Keluar", "Saring"):
        assert text in html, text
    assert complaint.reference in html
    assert "Complaints in your jurisdiction" not in html and "Sign out" not in html


def test_an_english_speaker_keeps_english_whatever_the_browser_says():
    inspector = factories.InspectorFactory(country="TH", preferred_language="en")
    client = sign_in(inspector)
    html = client.get("/console/queue/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "Complaints in your jurisdiction" in html
