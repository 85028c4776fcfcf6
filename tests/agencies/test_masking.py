"""Automatic masking of phone numbers, e-mail addresses and names in comments."""

from backend.agencies.masking import mask_personal_data


def test_phone_numbers_in_local_and_international_forms_are_masked():
    text = "Call the boss on 081 234 5678 or +95 9 123 456 789 or 02-123-4567."
    masked = mask_personal_data(text, regions=["TH", "MM"])
    assert "234" not in masked and "456" not in masked and "4567" not in masked
    assert masked.count("[phone]") == 3


def test_email_addresses_are_masked():
    masked = mask_personal_data("Write to aung.min+jobs@example.co.th now")
    assert masked == "Write to [email] now"


def test_names_after_titles_and_introductions_are_masked():
    text = "Mr Somchai Jaidee took our passports. My name is Aung. The driver called Ko Ko helped."
    masked = mask_personal_data(text)
    assert "Somchai" not in masked and "Jaidee" not in masked
    assert "Aung" not in masked and "Ko Ko" not in masked
    assert masked.startswith("Mr [name] took our passports.")


def test_the_authors_display_name_is_masked_case_insensitively():
    masked = mask_personal_data("min thu was told to pay again", known_names=["Min Thu"])
    assert masked == "[name] [name] was told to pay again"


def test_ordinary_text_years_and_amounts_are_left_alone():
    text = "They charged 500000 kyat in 2024 and kept us 3 months."
    assert mask_personal_data(text, regions=["MM"]) == text


def test_empty_comment_stays_empty():
    assert mask_personal_data("") == ""


def test_numbers_the_library_rejects_are_still_masked_by_the_fallback():
    masked = mask_personal_data("agent: 09 123 456 789, other 66812345678", regions=["MM"])
    assert masked == "agent: [phone], other [phone]"


def test_large_fee_amounts_are_not_mistaken_for_phone_numbers():
    text = "I paid 1500000 kyat and 15,000 baht"
    assert mask_personal_data(text, regions=["MM", "TH"]) == text
