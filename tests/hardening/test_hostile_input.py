"""Hostile files and payloads sent to the real endpoints: each is refused with a clear 4xx in the
error envelope, and nothing is stored — every row count a write could change and every file
under MEDIA_ROOT are the same before and after (``tests.faults.snapshot``).

The file corpus is ``tests.vault.corpus.HOSTILE`` (also checked case by case against the
validator in tests/vault/test_validation.py); here every one of its files goes through the
multipart upload, and a sample through tus. The payloads below are new: malformed JSON, huge
and mistyped values, Unicode tricks, path traversal in names, and tus header abuse.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import User
from backend.agencies.models import Corridor
from backend.vault import keyring
from backend.vault.models import DocumentVersion, ResumableUpload
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.faults.snapshot import media_files, stored_state
from tests.vault import corpus
from tests.vault.files import make_pdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file"),
]

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
DOCUMENTS = "/api/v1/vault/documents/"
UPLOADS = "/api/v1/vault/uploads/"
COMPLAINTS = "/api/v1/complaints/"
REGISTER = "/api/v1/auth/register"


def b64(raw: bytes | str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return base64.b64encode(raw).decode()


def assert_rejected(response, status: int, code: str, before: dict) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert stored_state() == before
    return error


@pytest.fixture
def worker(db):
    worker = factories.WorkerFactory()
    keyring.vault_get_or_create(worker)  # the key container exists before any test request
    return worker


@pytest.fixture
def client(worker, auth_client):
    return auth_client(worker)


# --- Files: the whole corpus through the multipart upload --------------------------------------


@pytest.mark.parametrize("case", corpus.HOSTILE, ids=[case.id for case in corpus.HOSTILE])
def test_hostile_file_upload_is_refused_and_stores_nothing(client, case):
    before = stored_state()
    upload = SimpleUploadedFile(
        case.filename or "upload",
        case.build(),
        content_type=case.content_type or "application/octet-stream",
    )

    response = client.post(DOCUMENTS, {"kind": "other", "file": upload}, format="multipart")

    error = assert_rejected(response, case.status, case.code, before)
    assert list(error["fields"]) == ["file"]


TUS_SAMPLE = [
    c
    for c in corpus.HOSTILE
    if c.id
    in {
        "png_bomb",
        "webp_lossless_bomb",
        "polyglot_pdf_zip",
        "pdf_incremental_update_js",
        "pdf_gotor_unc",
        "zip_bomb",
        "jpeg_truncated",
    }
]


def tus_upload(client, data: bytes, filename: str | None, filetype: str | None) -> str:
    meta = ",".join(
        f"{key} {b64(value)}"
        for key, value in (("filename", filename), ("filetype", filetype))
        if value
    )
    created = client.post(
        UPLOADS, HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=meta, **TUS
    )
    assert created.status_code == 201, created.content
    patched = client.generic(
        "PATCH",
        created["Location"],
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
    )
    assert patched.status_code == 204, patched.content
    return created.json()["id"]


@pytest.mark.parametrize("case", TUS_SAMPLE, ids=[case.id for case in TUS_SAMPLE])
def test_hostile_file_through_tus_is_refused_and_its_pieces_are_gone(client, case):
    before = stored_state()
    upload_id = tus_upload(client, case.build(), case.filename, case.content_type)

    response = client.post(DOCUMENTS, {"upload_id": upload_id, "kind": "other"}, format="json")

    # The completed upload was consumed: no row, no part, no staged blob is left behind; the
    # audit log keeps the one "upload started" event.
    assert_rejected(
        response, case.status, case.code, {**before, "AuditEvent": before["AuditEvent"] + 1}
    )
    assert not ResumableUpload.objects.filter(pk=upload_id).exists()


def test_the_snapshot_notices_a_stored_upload(client):
    """Guard for the helper above: a stored row is noticed (the snapshot is not a no-op)."""
    before = stored_state()
    tus_upload(client, make_pdf(), "a.pdf", "application/pdf")
    assert stored_state() != before


@pytest.fixture
def small_limit(settings):
    settings.VAULT_MAX_UPLOAD_BYTES = 50_000
    return settings.VAULT_MAX_UPLOAD_BYTES


def test_oversized_multipart_upload_is_413_from_content_length(client, small_limit):
    before = stored_state()
    data = make_pdf(padding=200_000)  # well past the limit and the 64 KiB form allowance

    response = client.post(
        DOCUMENTS,
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", data, "application/pdf")},
        format="multipart",
    )

    assert_rejected(response, 413, "file_too_large", before)


def test_oversized_file_within_the_form_allowance_is_413_while_streaming(client, small_limit):
    before = stored_state()
    data = make_pdf(padding=small_limit + 1000)

    response = client.post(
        DOCUMENTS,
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", data, "application/pdf")},
        format="multipart",
    )

    assert_rejected(response, 413, "file_too_large", before)


# --- Names: path traversal and tricks in the multipart filename --------------------------------

REFUSED_NAMES = [
    ("nul_then_exe", "contract.pdf\x00.exe"),
    ("windows_traversal_ini", "..\\..\\boot.ini"),
    ("double_extension_html", "contract.pdf.html"),
    ("traversal_to_svg", "../../var/www/evil.svg"),
]


@pytest.mark.parametrize(
    "filename", [n for _, n in REFUSED_NAMES], ids=[i for i, _ in REFUSED_NAMES]
)
def test_multipart_name_whose_extension_conflicts_is_refused(client, filename):
    before = stored_state()

    response = client.post(
        DOCUMENTS,
        {"kind": "other", "file": SimpleUploadedFile(filename, make_pdf(), "application/pdf")},
        format="multipart",
    )

    assert_rejected(response, 400, "file_type_mismatch", before)


HARMLESS_NAMES = [
    ("unix_traversal", "../../etc/passwd"),
    ("absolute_path", "/etc/cron.d/evil.pdf"),
    ("windows_absolute", "C:\\Windows\\System32\\evil.pdf"),
    ("rtl_override", "fdp.exe\u202e.pdf"),
    ("zero_width", "con\u200btract.pdf"),
]


@pytest.mark.parametrize(
    "filename", [n for _, n in HARMLESS_NAMES], ids=[i for i, _ in HARMLESS_NAMES]
)
def test_traversal_in_a_name_never_reaches_storage(client, filename, tmp_path, settings):
    """The name's folders are dropped (Django keeps only the base name) and storage names are
    random version ids, so a PDF called ``../../etc/passwd`` is just a PDF: stored under
    ``vault/<xx>/<hex>.ftv`` inside MEDIA_ROOT, the name nowhere in the response or the rows."""
    outside_before = sorted(p.name for p in tmp_path.iterdir() if p.name != "media")

    response = client.post(
        DOCUMENTS,
        {"kind": "other", "file": SimpleUploadedFile(filename, make_pdf(), "application/pdf")},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "media") == outside_before
    assert all(re.fullmatch(r"vault/[0-9a-f]{2}/[0-9a-f]{32}\.ftv", n) for n in media_files())
    version = DocumentVersion.objects.get()
    assert all(
        re.fullmatch(r"vault/[0-9a-f]{2}/[0-9a-f]{32}\.ftv", p["name"]) for p in version.blob_parts
    )
    for token in ("passwd", "cron", "System32", "\u202e", "evil"):
        assert token not in response.content.decode()


# --- tus: header abuse ---------------------------------------------------------------------------

CREATE_ABUSE = [
    ("length_30_digits", {"HTTP_UPLOAD_LENGTH": "9" * 30}, 400, "validation_error"),
    ("length_negative", {"HTTP_UPLOAD_LENGTH": "-1"}, 400, "validation_error"),
    ("length_exponent", {"HTTP_UPLOAD_LENGTH": "1e9"}, 400, "validation_error"),
    ("length_plus_sign", {"HTTP_UPLOAD_LENGTH": "+5"}, 400, "validation_error"),
    ("length_arabic_indic", {"HTTP_UPLOAD_LENGTH": "\u0663"}, 400, "validation_error"),
    ("length_missing", {"HTTP_UPLOAD_LENGTH": None}, 400, "validation_error"),
    ("length_zero", {"HTTP_UPLOAD_LENGTH": "0"}, 400, "empty_file"),
    ("length_over_max", {"HTTP_UPLOAD_LENGTH": str(25 * 1024 * 1024 + 1)}, 413, "file_too_large"),
    ("defer_length", {"HTTP_UPLOAD_DEFER_LENGTH": "1"}, 400, "validation_error"),
    ("meta_not_base64", {"HTTP_UPLOAD_METADATA": "filename !!!"}, 400, "malformed_metadata"),
    (
        "meta_overlong_utf8_slash",
        {"HTTP_UPLOAD_METADATA": "filename " + b64(b"..\xc0\xafetc.pdf")},
        400,
        "malformed_metadata",
    ),
    (
        "meta_cesu_lone_surrogate",
        {"HTTP_UPLOAD_METADATA": "filename " + b64(b"\xed\xa0\x80.pdf")},
        400,
        "malformed_metadata",
    ),
    (
        "meta_nul_in_filename",
        {"HTTP_UPLOAD_METADATA": "filename " + b64("a.pdf\x00.exe")},
        400,
        "malformed_metadata",
    ),
    (
        "meta_nul_in_filetype",
        {"HTTP_UPLOAD_METADATA": "filetype " + b64("application/pdf\x00")},
        400,
        "malformed_metadata",
    ),
    (
        "meta_escape_sequence",
        {"HTTP_UPLOAD_METADATA": "filename " + b64("\x1b[2Jcontract.pdf")},
        400,
        "malformed_metadata",
    ),
    ("wrong_tus_version", {"HTTP_TUS_RESUMABLE": "0.2.2"}, 412, "tus_version_unsupported"),
]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [c[1:] for c in CREATE_ABUSE],
    ids=[c[0] for c in CREATE_ABUSE],
)
def test_tus_create_header_abuse_is_refused(client, headers, status, code):
    before = stored_state()
    sent = {**TUS, "HTTP_UPLOAD_LENGTH": "100", **headers}
    sent = {name: value for name, value in sent.items() if value is not None}

    response = client.post(UPLOADS, **sent)

    assert_rejected(response, status, code, before)


@pytest.fixture
def started(client):
    """A started upload of a 100 000-byte PDF, 10 000 bytes already sent."""
    data = make_pdf(padding=100_000)
    created = client.post(UPLOADS, HTTP_UPLOAD_LENGTH=str(len(data)), **TUS)
    location = created["Location"]
    first = client.generic(
        "PATCH",
        location,
        data[:10_000],
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
    )
    assert first.status_code == 204
    return location, data


def _sha(data: bytes, algorithm="sha256") -> str:
    return b64(hashlib.new(algorithm, data).digest())


PATCH_ABUSE = [
    ("offset_negative", {"HTTP_UPLOAD_OFFSET": "-1"}, None, 400, "validation_error"),
    ("offset_not_a_number", {"HTTP_UPLOAD_OFFSET": "ten"}, None, 400, "validation_error"),
    ("offset_behind", {"HTTP_UPLOAD_OFFSET": "0"}, None, 409, "offset_mismatch"),
    ("offset_ahead", {"HTTP_UPLOAD_OFFSET": "20000"}, None, 409, "offset_mismatch"),
    ("offset_past_length", {"HTTP_UPLOAD_OFFSET": "99999999"}, None, 409, "offset_mismatch"),
    (
        "wrong_content_type",
        {"CONTENT_TYPE": "application/pdf"},
        None,
        415,
        "unsupported_media_type",
    ),
    (
        "checksum_unknown_algorithm",
        {"HTTP_UPLOAD_CHECKSUM": "crc32 AAAA"},
        None,
        400,
        "unsupported_checksum",
    ),
    (
        "checksum_not_base64",
        {"HTTP_UPLOAD_CHECKSUM": "sha256 !!notbase64!!"},
        None,
        400,
        "malformed_checksum",
    ),
    (
        "checksum_mismatch",
        {"HTTP_UPLOAD_CHECKSUM": "sha256 " + _sha(b"other bytes")},
        None,
        460,
        "checksum_mismatch",
    ),
    ("body_past_length", {}, b"x" * 200_000, 413, "upload_length_exceeded"),
    ("wrong_tus_version", {"HTTP_TUS_RESUMABLE": "2.0.0"}, None, 412, "tus_version_unsupported"),
]


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [c[1:] for c in PATCH_ABUSE],
    ids=[c[0] for c in PATCH_ABUSE],
)
def test_tus_patch_header_abuse_is_refused_and_the_offset_holds(
    client, started, headers, body, status, code
):
    location, data = started
    before = stored_state()
    upload = ResumableUpload.objects.get()
    sent = {
        "content_type": headers.pop("CONTENT_TYPE", "application/offset+octet-stream"),
        **TUS,
        "HTTP_UPLOAD_OFFSET": "10000",
        **headers,
    }

    response = client.generic("PATCH", location, body or data[10_000:20_000], **sent)

    assert_rejected(response, status, code, before)
    again = ResumableUpload.objects.get()
    assert (again.offset, again.parts, again.lease_token) == (10_000, upload.parts, None)


def test_checksummed_chunk_over_the_cap_is_413(client, started, settings):
    settings.VAULT_TUS_CHECKSUM_MAX_CHUNK = 4096
    location, data = started
    before = stored_state()
    chunk = data[10_000:20_000]

    response = client.generic(
        "PATCH",
        location,
        chunk,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="10000",
        HTTP_UPLOAD_CHECKSUM="sha256 " + _sha(chunk),
        **TUS,
    )

    assert_rejected(response, 413, "chunk_too_large", before)


def test_someone_elses_upload_is_404_for_every_method(started, auth_client):
    location, data = started
    intruder = auth_client(factories.WorkerFactory())
    before = stored_state()

    for response in (
        intruder.head(location, **TUS),
        intruder.generic(
            "PATCH",
            location,
            data[10_000:11_000],
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET="10000",
            **TUS,
        ),
        intruder.delete(location, **TUS),
    ):
        assert response.status_code == 404
    assert stored_state() == before
    upload_id = ResumableUpload.objects.get().id
    claim = intruder.post(DOCUMENTS, {"upload_id": str(upload_id), "kind": "other"}, format="json")
    assert_rejected(claim, 404, "not_found", before)


# --- JSON: malformed, huge, mistyped, Unicode -------------------------------------------------

DEEP = 10_000


def complaint_body(**fields) -> dict:
    return {"client_key": str(uuid.uuid4()), "submit": False, **fields}


def raw(body: dict) -> str:
    return json.dumps(body)


JSON_ABUSE = [
    ("truncated", lambda: raw(complaint_body())[:-5], 400, "malformed_request"),
    ("trailing_garbage", lambda: raw(complaint_body()) + "<script>", 400, "malformed_request"),
    ("two_documents", lambda: raw(complaint_body()) * 2, 400, "malformed_request"),
    ("deep_array_10k", lambda: "[" * DEEP + "]" * DEEP, 400, "malformed_request"),
    (
        "deep_object_10k",
        lambda: '{"a":' * DEEP + "1" + "}" * DEEP,
        400,
        "malformed_request",
    ),
    (
        "deep_inside_a_field",
        lambda: raw(complaint_body())[:-1] + ', "categories": ' + "[" * DEEP + "]" * DEEP + "}",
        400,
        "malformed_request",
    ),
    (
        "duplicate_keys",
        lambda: (
            f'{{"client_key": "{uuid.uuid4()}", "client_key": "{uuid.uuid4()}", "submit": false}}'
        ),
        400,
        "malformed_request",
    ),
    (
        "nan",
        lambda: raw(complaint_body())[:-1] + ', "amount_claimed": NaN}',
        400,
        "malformed_request",
    ),
    (
        "infinity",
        lambda: raw(complaint_body())[:-1] + ', "amount_claimed": Infinity}',
        400,
        "malformed_request",
    ),
    (
        "minus_infinity",
        lambda: raw(complaint_body())[:-1] + ', "amount_claimed": -Infinity}',
        400,
        "malformed_request",
    ),
    (
        "float_overflow_1e400",
        lambda: raw(complaint_body())[:-1] + ', "amount_claimed": 1e400}',
        400,
        "validation_error",
    ),
    (
        "integer_5000_digits",
        lambda: raw(complaint_body())[:-1] + ', "amount_claimed": ' + "9" * 5000 + "}",
        400,
        "malformed_request",
    ),
    (
        "integer_4000_digits",
        lambda: raw(complaint_body())[:-1] + ', "amount_claimed": ' + "9" * 4000 + "}",
        400,
        "validation_error",
    ),
    ("top_level_array", lambda: "[]", 400, "validation_error"),
    ("top_level_string", lambda: '"complaint"', 400, "validation_error"),
    ("top_level_null", lambda: "null", 400, "validation_error"),
    ("client_key_object", lambda: raw({"client_key": {"$ne": None}}), 400, "validation_error"),
    (
        "categories_string",
        lambda: raw(complaint_body(categories="withholding_of_wages")),
        400,
        "validation_error",
    ),
    ("since_number", lambda: raw(complaint_body(since=20260101)), 400, "validation_error"),
    ("submit_list", lambda: raw(complaint_body(submit=[True])), 400, "validation_error"),
    (
        "narrative_nul",
        lambda: raw(complaint_body(narrative="they took\x00 my passport")),
        400,
        "validation_error",
    ),
    (
        "narrative_lone_surrogate",
        lambda: raw(complaint_body())[:-1] + ', "narrative": "\\ud800 x"}',
        400,
        "validation_error",
    ),
    (
        "employer_name_too_long",
        lambda: raw(complaint_body(employer_name="A" * 201)),
        400,
        "validation_error",
    ),
    (
        "string_10_mb",
        lambda: raw(complaint_body(narrative="A" * 10_000_000)),
        413,
        "request_too_large",
    ),
    (
        "workplace_country_homoglyph",
        lambda: raw(complaint_body(workplace_country="\u0422\u041d")),  # Cyrillic Te + En
        400,
        "validation_error",
    ),
    (
        "category_with_rtl_override",
        lambda: raw(complaint_body(categories=["\u202ewithholding_of_wages"])),
        400,
        "validation_error",
    ),
]


@pytest.mark.parametrize(
    ("build", "status", "code"),
    [c[1:] for c in JSON_ABUSE],
    ids=[c[0] for c in JSON_ABUSE],
)
def test_hostile_json_on_complaint_intake_is_refused(client, build, status, code):
    before = stored_state()

    response = client.post(COMPLAINTS, build(), content_type="application/json")

    assert_rejected(response, status, code, before)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"client_key": "\xc0\xaf"}', "application/json"),
        (b'{"client_key": "\xed\xa0\x80"}', "application/json"),
        (b"\xff\xfe{\x00}\x00", "application/json"),
    ],
    ids=["overlong_utf8", "cesu_surrogate", "utf16_bom_undeclared"],
)
def test_undecodable_bodies_are_malformed(client, body, content_type):
    before = stored_state()

    response = client.post(COMPLAINTS, body, content_type=content_type)

    assert_rejected(response, 400, "malformed_request", before)


def test_messages_and_transitions_refuse_bad_input(client, worker, auth_client):
    complaint = file_complaint(worker, submit=False)
    url = f"{COMPLAINTS}{complaint.pk}/"
    before = stored_state()
    cases = [
        (f"{url}messages/", {"body": "x" * 5001}, 400, "validation_error"),
        (
            f"{url}messages/",
            {"body": "hi", "attachment_ids": ["../../etc"]},
            400,
            "validation_error",
        ),
        (f"{url}messages/", {"body": ["hi"]}, 400, "validation_error"),
        (f"{url}transitions", {"action": ["submit"]}, 400, "validation_error"),
        (f"{url}transitions", {"action": "submit", "assignee": "x"}, 400, "validation_error"),
        (f"{url}transitions", {"action": "submit", "version": 10**30}, 409, "stale"),
        (f"{url}transitions", {"action": "submit", "version": -1}, 400, "validation_error"),
    ]
    for path, body, status, code in cases:
        assert_rejected(client.post(path, body, format="json"), status, code, before)
    complaint.refresh_from_db()
    assert (complaint.state, complaint.version) == ("draft", 1)
    # Someone else's complaint: 404, whatever the payload.
    intruder = auth_client(factories.WorkerFactory())
    before = stored_state()
    for path in (f"{url}messages/", f"{url}transitions"):
        response = intruder.post(path, {"body": "hi", "action": "submit"}, format="json")
        assert_rejected(response, 404, "not_found", before)


# --- Reviews ---------------------------------------------------------------------------------


def review_body(**overrides) -> dict:
    body = {
        "ratings": dict.fromkeys(
            ("fees", "contract", "job_accuracy", "treatment", "documents", "wages", "overall"), 4
        ),
        "recruitment_year": 2024,
        "corridor": {"origin": "MM", "destination": "TH"},
        "fees": [{"kind": "recruitment", "amount": "500000", "currency": "MMK"}],
        "monthly_wage": "12000",
        "wage_currency": "THB",
        "comment": "",
    }
    body.update(overrides)
    return body


def _ratings(**changes):
    return {**review_body()["ratings"], **changes}


REVIEW_ABUSE = [
    ("rating_six", {"ratings": _ratings(overall=6)}),
    ("rating_negative", {"ratings": _ratings(fees=-1)}),
    ("rating_string", {"ratings": _ratings(fees="4; DROP TABLE")}),
    ("ratings_list", {"ratings": [4, 4, 4]}),
    ("year_10_pow_30", {"recruitment_year": 10**30}),
    ("fee_negative", {"fees": [{"kind": "recruitment", "amount": "-5", "currency": "MMK"}]}),
    ("fee_1e30", {"fees": [{"kind": "recruitment", "amount": "1e30", "currency": "MMK"}]}),
    (
        "fee_currency_traversal",
        {"fees": [{"kind": "recruitment", "amount": "5", "currency": "../"}]},
    ),
    ("wage_infinity_string", {"monthly_wage": "Infinity"}),
    ("wage_nan_string", {"monthly_wage": "NaN"}),
    ("comment_nul", {"comment": "good\x00agency"}),
    ("comment_too_long", {"comment": "x" * 100_000}),
    ("corridor_homoglyph", {"corridor": {"origin": "\u041c\u041c", "destination": "TH"}}),
    (
        "fees_10k_items",
        {"fees": [{"kind": "recruitment", "amount": "1", "currency": "MMK"}] * 10_000},
    ),
]


@pytest.mark.parametrize(
    "overrides", [c[1] for c in REVIEW_ABUSE], ids=[c[0] for c in REVIEW_ABUSE]
)
def test_hostile_review_is_refused(client, overrides):
    agency = factories.AgencyFactory()
    Corridor.objects.create(agency=agency, origin="MM", destination="TH")
    before = stored_state()

    response = client.post(
        f"/api/v1/agencies/{agency.pk}/reviews/", review_body(**overrides), format="json"
    )

    assert_rejected(response, 400, "validation_error", before)


# --- Registration: Unicode tricks in phone numbers ---------------------------------------------

PHONE_ABUSE = [
    ("rtl_override", "+\u202e66812345678"),
    ("nul", "+66812345678\x00"),
    ("too_long", "+66812345678" * 4),
    ("too_many_digits", "+6681234567890123456"),
    ("letters", "+66-CALL-ME-NOW"),
    ("sql", "+66812345678' OR '1'='1"),
]


@pytest.mark.parametrize("phone", [p for _, p in PHONE_ABUSE], ids=[i for i, _ in PHONE_ABUSE])
def test_hostile_phone_number_is_refused(api, phone):
    before = stored_state()

    response = api.post(
        REGISTER, {"phone": phone, "password": "a long passphrase 1"}, format="json"
    )

    error = assert_rejected(response, 400, "validation_error", before)
    assert "phone" in error["fields"]


@pytest.mark.parametrize(
    "lookalike",
    [
        "+66\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
        "+\u0666\u0666812345678",
        "+66 81\u200b2345678",
    ],
    ids=["fullwidth_digits", "arabic_indic_digits", "zero_width_space"],
)
def test_homoglyph_of_a_registered_number_is_the_same_number(api, lookalike):
    """Look-alike digits and invisible characters normalise to the same E.164 number: no
    second account can be made that looks like someone else's."""
    factories.WorkerFactory(phone="+66812345678")
    users = User.objects.count()

    response = api.post(
        REGISTER, {"phone": lookalike, "password": "a long passphrase 1"}, format="json"
    )

    assert response.status_code == 202, response.json()
    assert response.json()["phone"] == "+66812345678"
    assert User.objects.count() == users


# --- Grants: look-alike user names ---------------------------------------------------------------


def test_grant_to_a_lookalike_username_is_refused(client, worker):
    caseworker = factories.CaseworkerFactory(username="caseworker1")
    upload = client.post(
        DOCUMENTS,
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", make_pdf(), "application/pdf")},
        format="multipart",
    )
    document_id = upload.json()["id"]
    before = stored_state()

    for grantee in ("caseworker1\u200b", "c\u0430seworker1", "CASEWORKER1\x00", "../caseworker1"):
        response = client.post(
            "/api/v1/vault/grants/",
            {"grantee": grantee, "document_ids": [document_id]},
            format="json",
        )
        assert 400 <= response.status_code < 500, (grantee, response.status_code)
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert stored_state() == before
    assert caseworker.username == "caseworker1"
