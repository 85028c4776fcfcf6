"""Translations: API messages come back in the caller's language, and the catalogs are complete.

The catalogs live in backend/locale/<lang>/LC_MESSAGES/django.{po,mo} and are rebuilt with
scripts/messages.sh. CI does not compile them, so the tests also check that each committed .mo
says exactly what its .po says.
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import WorkerFactory

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGS = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLURAL_FORMS = {
    "id": ("nplurals=1; plural=0;", lambda n: 0),
    "th": ("nplurals=1; plural=0;", lambda n: 0),
    "ne": ("nplurals=2; plural=(n != 1);", lambda n: int(n != 1)),
}
LIBRARY_MESSAGES = "backend/core/library_messages.py"


# --- A small .po reader (polib is not a dependency) -----------------------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')


def read_po(path: Path) -> list[PoEntry]:
    """Entries of a .po file, the header first (``msgid ""``); obsolete ``#~`` entries skipped."""
    entries: list[PoEntry] = []
    entry, target = PoEntry(), None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if entry.msgstr and (line.startswith("#") or line.startswith(("msgctxt ", "msgid "))):
            entries.append(entry)
            entry, target = PoEntry(), None
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#:"):
            # "path" or "path:line", depending on makemessages --add-location
            entry.locations.extend(re.sub(r":\d+$", "", loc) for loc in line[2:].split())
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            keyword, index, literal = match.groups()
            text = ast.literal_eval(literal)
            if keyword == "msgstr":
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = text
            else:
                target = (keyword, None)
                setattr(entry, keyword, text)
        elif line.startswith('"') and target is not None:
            text = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    if entry.msgstr:
        entries.append(entry)
    return entries


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def catalog(lang: str) -> tuple[dict[str, str], list[PoEntry]]:
    entries = read_po(po_path(lang))
    assert entries and entries[0].msgid == "", f"{lang}: the header must come first"
    header = dict(line.split(": ", 1) for line in entries[0].msgstr[0].splitlines() if ": " in line)
    return header, entries[1:]


def translated(lang: str, msgid: str, plural_n: int | None = None) -> str:
    """The translation of ``msgid`` in the committed .po file: what the API must answer."""
    _header, entries = catalog(lang)
    entry = next(e for e in entries if e.msgid == msgid)
    if plural_n is None:
        return entry.msgstr[0]
    return entry.msgstr[PLURAL_FORMS[lang][1](plural_n)]


_PRINTF = re.compile(r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_BRACES = re.compile(r"\{[\w.!:\[\]]*\}")


def printf_placeholders(text: str) -> Counter:
    return Counter(_PRINTF.findall(text))


def brace_placeholders(text: str) -> Counter:
    return Counter(_BRACES.findall(text))


# --- Requests in the caller's language ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_validation_error_comes_back_in_the_accept_language(api, lang):
    response = api.post(
        "/api/v1/auth/register", {"password": "x" * 12}, format="json", HTTP_ACCEPT_LANGUAGE=lang
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == translated(lang, "Some fields are not valid.")
    assert error["message"] != "Some fields are not valid."
    assert error["fields"] == {"phone": [translated(lang, "This field is required.")]}
    assert response["Content-Language"] == lang
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_unknown_api_url_is_not_found_in_the_accept_language(api, lang):
    response = api.get("/api/v1/no-such-endpoint", HTTP_ACCEPT_LANGUAGE=lang)

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": translated(lang, "Not found."), "fields": {}}
    }
    assert translated(lang, "Not found.") != "Not found."
    assert response["Content-Language"] == lang


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("th-TH,th;q=0.9,en;q=0.8", "th"),
        ("ne-NP", "ne"),
        ("id-ID,id;q=0.9", "id"),
        ("my-MM,ne;q=0.5", "ne"),  # Burmese is not offered yet: the next choice wins
    ],
)
def test_regional_and_weighted_accept_language_picks_the_supported_language(api, header, lang):
    response = api.get("/api/v1/no-such-endpoint", HTTP_ACCEPT_LANGUAGE=header)

    assert response.json()["error"]["message"] == translated(lang, "Not found.")
    assert response["Content-Language"] == lang


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["fr", "my-MM", "xx", ""])
def test_unknown_or_missing_language_falls_back_to_english(api, header):
    extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}

    response = api.post("/api/v1/auth/register", {}, format="json", **extra)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Some fields are not valid."
    assert response.json()["error"]["fields"]["phone"] == ["This field is required."]
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_signed_in_worker_gets_their_preferred_language_without_accept_language(auth_client):
    client = auth_client(WorkerFactory(preferred_language="th"))

    response = client.delete(f"/api/v1/me/devices/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": translated("th", "No such device."),
        "fields": {},
    }
    assert response.json()["error"]["message"] != "No such device."
    assert response["Content-Language"] == "th"


@pytest.mark.django_db
def test_preferred_language_wins_over_the_phone_accept_language(auth_client):
    client = auth_client(WorkerFactory(preferred_language="ne"))

    response = client.delete(f"/api/v1/me/devices/{uuid.uuid4()}", HTTP_ACCEPT_LANGUAGE="id")

    assert response.json()["error"]["message"] == translated("ne", "No such device.")
    assert response["Content-Language"] == "ne"


@pytest.mark.django_db
def test_library_messages_are_translated_too(api):
    """DRF and simplejwt have no Nepali catalog of their own; ours supplies one."""
    missing = api.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="ne")
    bad_token = api.get(
        "/api/v1/me", HTTP_ACCEPT_LANGUAGE="ne", HTTP_AUTHORIZATION="Bearer not-a-token"
    )

    assert missing.status_code == 401
    assert missing.json()["error"]["message"] == translated(
        "ne", "Authentication credentials were not provided."
    )
    assert bad_token.status_code == 401
    assert bad_token.json()["error"]["message"] == translated(
        "ne", "Given token not valid for any token type"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGS)
def test_password_rules_use_the_plural_form_for_the_minimum_length(api, lang):
    response = api.post(
        "/api/v1/auth/register",
        {"phone": "+66812345678", "password": "a1b2"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=lang,
    )

    assert response.status_code == 400
    too_short = translated(
        lang, "This password is too short. It must contain at least %d character.", plural_n=8
    )
    assert too_short % 8 in response.json()["error"]["fields"]["password"]


@pytest.mark.django_db
def test_sms_code_is_written_in_the_language_chosen_at_registration(
    api, sms, django_capture_on_commit_callbacks
):
    payload = {"phone": "+66812345678", "password": "long enough pass 42"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/auth/register", {**payload, "preferred_language": "ne"}, format="json"
        )

    assert response.status_code == 202
    assert len(sms) == 1
    template = translated(
        "ne", "Your Fairtrail code is %(code)s. It expires in %(minutes)s minutes."
    )
    minutes = max(1, settings.PHONE_CODE_TTL_SECONDS // 60)
    pattern = (
        re.escape(template)
        .replace(re.escape("%(code)s"), r"\d{4,12}")
        .replace(re.escape("%(minutes)s"), str(minutes))
    )
    assert re.fullmatch(pattern, sms[0].body), sms[0].body


# --- The catalogs themselves ------------------------------------------------------------------


def test_every_offered_language_has_a_catalog_and_the_script_builds_it():
    script = (settings.BASE_DIR / "scripts" / "messages.sh").read_text(encoding="utf-8")
    built = re.search(r"^LANGS=\(([^)]*)\)", script, re.MULTILINE).group(1).split()

    assert sorted(built) == sorted(LANGS)
    assert sorted(PLURAL_FORMS) == sorted(LANGS)
    for lang in LANGS:
        assert po_path(lang).is_file(), lang
        assert po_path(lang).with_suffix(".mo").is_file(), f"{lang}: run scripts/messages.sh"


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_header_names_the_language_and_its_plural_rule(lang):
    header, _entries = catalog(lang)
    first = read_po(po_path(lang))[0]

    assert "fuzzy" not in first.flags
    assert header["Language"] == lang
    assert header["Plural-Forms"] == PLURAL_FORMS[lang][0]
    assert header["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_and_not_fuzzy(lang):
    _header, entries = catalog(lang)
    nplurals = int(PLURAL_FORMS[lang][0].split(";")[0].split("=")[1])

    assert len(entries) > 100
    problems = []
    for entry in entries:
        forms = sorted(entry.msgstr)
        expected = list(range(nplurals)) if entry.msgid_plural else [0]
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid))
        if forms != expected:
            problems.append((f"plural forms {forms} != {expected}", entry.msgid))
        if any(not text.strip() for text in entry.msgstr.values()):
            problems.append(("untranslated", entry.msgid))
    assert problems == []


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_the_placeholders_of_the_english(lang):
    _header, entries = catalog(lang)

    problems = []
    for entry in entries:
        source = entry.msgid_plural or entry.msgid
        for text in entry.msgstr.values():
            if brace_placeholders(text) != brace_placeholders(source):
                problems.append(("{...}", entry.msgid, text))
            if "python-format" in entry.flags:
                if printf_placeholders(text) != printf_placeholders(source):
                    problems.append(("%...", entry.msgid, text))
            elif "%(" in text:
                problems.append(("stray %(", entry.msgid, text))
    assert problems == []


def test_placeholder_check_sees_format_specs_and_braces():
    assert printf_placeholders("larger than %(mib).0f MB, %d, 100%%") == Counter(
        ["%(mib).0f", "%d", "%%"]
    )
    assert printf_placeholders("%(mib).0f") != printf_placeholders("%(mib)s")
    assert brace_placeholders('"{input}" and {max_length}, {}') == Counter(
        ["{input}", "{max_length}", "{}"]
    )


def test_all_languages_translate_the_same_messages():
    msgids = {lang: {(e.msgctxt, e.msgid) for e in catalog(lang)[1]} for lang in LANGS}

    first = msgids[LANGS[0]]
    assert all(ids == first for ids in msgids.values())


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_matches_its_po_file(lang):
    """The .mo is what Django reads; a stale one would ship old or missing translations."""
    _header, entries = catalog(lang)
    with po_path(lang).with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    plural_index = PLURAL_FORMS[lang][1]

    stale = []
    for entry in entries:
        if entry.msgid_plural:
            for n in (1, 2, 5):
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                if got != entry.msgstr[plural_index(n)]:
                    stale.append((entry.msgid, n, got))
        elif entry.msgctxt is not None:
            if compiled.pgettext(entry.msgctxt, entry.msgid) != entry.msgstr[0]:
                stale.append((entry.msgctxt, entry.msgid))
        elif compiled.gettext(entry.msgid) != entry.msgstr[0]:
            stale.append((entry.msgid, compiled.gettext(entry.msgid)))
    assert stale == [], "run scripts/messages.sh --compile"


def test_library_messages_still_exist_in_the_installed_libraries():
    """backend/core/library_messages.py must quote the libraries word for word."""
    sources = []
    for package in ("rest_framework", "rest_framework_simplejwt", "django.contrib.auth"):
        root = Path(importlib.util.find_spec(package).origin).parent
        sources.extend(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    text = "\n".join(sources)
    _header, entries = catalog(LANGS[0])
    listed = [e for e in entries if LIBRARY_MESSAGES in e.locations]

    assert len(listed) > 40
    gone = [
        msgid
        for e in listed
        for msgid in (e.msgid, e.msgid_plural)
        if msgid is not None and msgid not in text
    ]
    assert gone == []
