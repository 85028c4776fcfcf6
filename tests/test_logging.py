"""Records that go through the configured LOGGING never carry a phone number, e-mail or full IP."""

from __future__ import annotations

import logging

from backend.core.logging import RedactPersonalDataFilter, mask_phone, redact, truncate_ip


def test_console_handler_is_configured_with_the_redaction_filter():
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")

    assert any(isinstance(f, RedactPersonalDataFilter) for f in handler.filters)


def test_phone_numbers_in_log_arguments_are_masked(console_output):
    logging.getLogger("fairtrail.accounts").warning(
        "code sent to %s and %s", "+66812345678", "+95 9 123 456 789"
    )

    line = console_output.getvalue()
    assert "code sent to [phone] and [phone]" in line
    assert "812345678" not in line
    assert "123 456 789" not in line


def test_email_addresses_are_masked(console_output):
    logging.getLogger("fairtrail.complaints").warning("reply to %s", "aye.min+ngo@example.org")

    line = console_output.getvalue()
    assert "reply to [email]" in line
    assert "aye.min" not in line
    assert "example.org" not in line


def test_ip_addresses_are_truncated(console_output):
    logging.getLogger("django.request").error(
        "from %s via %s", "203.0.113.77", "2001:db8:85a3:1234:5678:8a2e:370:7334"
    )

    line = console_output.getvalue()
    assert "from 203.0.113.0 via 2001:db8:85a3::" in line
    assert "203.0.113.77" not in line
    assert "7334" not in line


def test_personal_data_in_the_message_itself_is_masked(console_output):
    logging.getLogger("fairtrail").warning("worker +66812345678 wrote from 198.51.100.23")

    line = console_output.getvalue()
    assert "worker [phone] wrote from 198.51.100.0" in line


def test_ordinary_numbers_are_left_alone(console_output):
    logging.getLogger("fairtrail").warning("purged %d rows in %s ms, code 123456", 1500, "42.5")

    assert "purged 1500 rows in 42.5 ms, code 123456" in console_output.getvalue()


def test_a_broken_format_string_logs_the_template_without_its_arguments(console_output):
    logging.getLogger("fairtrail").warning("phone %s %s", "+66812345678")

    line = console_output.getvalue()
    assert "phone %s %s" in line
    assert "812345678" not in line


def test_times_are_not_mistaken_for_ipv6_addresses(console_output):
    logging.getLogger("fairtrail").warning("sweep started at 23:39:54")

    assert "sweep started at 23:39:54" in console_output.getvalue()


def test_personal_data_in_exception_tracebacks_is_masked(console_output):
    try:
        raise ValueError("not a valid number: +66812345678, owner aye@example.org")
    except ValueError:
        logging.getLogger("fairtrail").exception("import failed")

    text = console_output.getvalue()
    assert "import failed" in text
    assert "Traceback" in text
    assert "not a valid number: [phone], owner [email]" in text
    assert "812345678" not in text
    assert "example.org" not in text


def test_helpers():
    assert mask_phone("+66812345678") == "+66••••••678"
    assert mask_phone("") == ""
    assert truncate_ip("203.0.113.77") == "203.0.113.0"
    assert truncate_ip("2001:db8:85a3:1234::1") == "2001:db8:85a3::"
    assert truncate_ip("not an ip") == ""
    assert redact("mail a@b.co") == "mail [email]"
