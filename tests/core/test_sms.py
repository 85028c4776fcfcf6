"""SMS backends: the console one never writes a login code to a non-DEBUG log."""

from __future__ import annotations

import logging
import re

import pytest

from backend.core.sms import SmsMessage, get_sms_backend, send_sms
from backend.core.sms.backends import ConsoleSmsBackend, FileSmsBackend, mask_digits

BODY = "Your Fairtrail code is 123456. It expires in 10 minutes."


def _sms_log(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "fairtrail.sms")


def test_console_backend_masks_every_digit_without_debug(settings, caplog):
    settings.DEBUG = False
    caplog.set_level(logging.INFO, logger="fairtrail.sms")

    ConsoleSmsBackend().send(SmsMessage(to="+66812345678", body=BODY))

    logged = _sms_log(caplog)
    assert "Your Fairtrail code is ••••••." in logged
    assert not re.search(r"\d{4}", logged)  # neither the code nor the number
    assert "812345678" not in logged


def test_console_backend_shows_the_code_in_debug_for_development(settings, caplog):
    settings.DEBUG = True
    caplog.set_level(logging.INFO, logger="fairtrail.sms")

    ConsoleSmsBackend().send(SmsMessage(to="+66812345678", body=BODY))

    logged = _sms_log(caplog)
    assert "123456" in logged
    assert "812345678" not in logged


@pytest.mark.django_db
def test_registration_with_the_console_backend_logs_no_code(
    api, settings, caplog, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "console"
    settings.DEBUG = False
    caplog.set_level(logging.INFO, logger="fairtrail.sms")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/auth/register", {"phone": "+66812345678", "password": "a-long-passphrase"}
        )

    assert response.status_code == 202
    logged = _sms_log(caplog)
    assert "Your Fairtrail code is ••••••" in logged
    assert not re.search(r"\d{6}", logged)


def test_mask_digits_keeps_the_text_readable():
    assert mask_digits("code 042917, 10 min") == "code ••••••, •• min"


def test_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path)

    send_sms("+66812345678", BODY)

    assert isinstance(get_sms_backend(), FileSmsBackend)
    (written,) = tmp_path.iterdir()
    assert BODY in written.read_text(encoding="utf-8")
