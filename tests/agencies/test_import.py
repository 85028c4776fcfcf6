"""``manage.py import_agencies``: idempotent upserts and rejected rows with reasons."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.agencies.models import Agency, Corridor

HEADER = (
    "name,aliases,licence_number,licensing_authority,country,corridors,address,"
    "licence_status,source,last_checked\n"
)
GOOD = (
    'Golden Bridge Manpower,"GBM;Golden Bridge",LIC-001,DOL Myanmar,MM,"MM-TH;MM-MY",Yangon,'
    "licensed,DOL list 2026-10,2026-10-01\n"
    "Shwe Overseas,,LIC-002,DOL Myanmar,mm,MM-MY,,suspended,DOL list 2026-10,\n"
)
BAD = (
    ",,LIC-003,DOL,MM,,,licensed,,\n"  # no name
    "No Licence Co,,,DOL,MM,,,licensed,,\n"  # no licence number
    "Bad Country,,LIC-004,DOL,Myanmar,,,licensed,,\n"
    "Bad Status,,LIC-005,DOL,MM,,,maybe,,\n"
    "Bad Date,,LIC-006,DOL,MM,,,licensed,,01/10/2026\n"
    "Bad Corridor,,LIC-007,DOL,MM,MMTH,,licensed,,\n"
    "Dup,,LIC-001,DOL,MM,,,licensed,,\n"  # same licence as line 2
)


def run(tmp_path, text):
    path = tmp_path / "licences.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_agencies", str(path), stdout=out)
    return out.getvalue()


def test_import_creates_agencies_with_corridors_and_search_text(db, tmp_path):
    output = run(tmp_path, HEADER + GOOD)
    assert "created 2, updated 0, unchanged 0, rejected 0" in output
    golden = Agency.objects.get(licence_number="LIC-001")
    assert golden.aliases == ["GBM", "Golden Bridge"]
    assert golden.licence_status == "licensed"
    assert str(golden.last_checked) == "2026-10-01"
    assert "golden bridge manpower" in golden.search_text and "gbm" in golden.search_text
    assert set(golden.corridors.values_list("origin", "destination")) == {
        ("MM", "TH"),
        ("MM", "MY"),
    }
    assert Agency.objects.get(licence_number="LIC-002").country == "MM"


def test_reimport_is_idempotent_and_updates_in_place(db, tmp_path):
    run(tmp_path, HEADER + GOOD)
    ids = set(Agency.objects.values_list("id", flat=True))
    output = run(tmp_path, HEADER + GOOD)
    assert "created 0, updated 0, unchanged 2, rejected 0" in output
    changed = GOOD.replace("suspended", "revoked").replace('"MM-TH;MM-MY"', "MM-TH")
    output = run(tmp_path, HEADER + changed)
    assert "created 0, updated 2, unchanged 0, rejected 0" in output
    assert set(Agency.objects.values_list("id", flat=True)) == ids
    assert Agency.objects.get(licence_number="LIC-002").licence_status == "revoked"
    assert list(
        Corridor.objects.filter(agency__licence_number="LIC-001").values_list(
            "destination", flat=True
        )
    ) == ["TH"]


def test_bad_rows_are_rejected_with_reasons_and_good_rows_still_load(db, tmp_path):
    output = run(tmp_path, HEADER + GOOD + BAD)
    assert "created 2, updated 0, unchanged 0, rejected 7" in output
    assert "line 4: rejected: name is required" in output
    assert "line 5: rejected: licence_number is required" in output
    assert "line 6: rejected: country must be a two-letter ISO code" in output
    assert "line 7: rejected: licence_status must be one of" in output
    assert "line 8: rejected: last_checked must be a date YYYY-MM-DD" in output
    assert "line 9: rejected: corridor 'MMTH' must look like MM-TH" in output
    assert "line 10: rejected: duplicate licence number earlier in this file" in output
    assert Agency.objects.count() == 2


def test_missing_columns_and_missing_file(db, tmp_path):
    output = run(tmp_path, "title,country\nX,MM\n")
    assert "line 1: rejected: missing column name; missing column licence_number" in output
    assert Agency.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("import_agencies", str(tmp_path / "nope.csv"))
