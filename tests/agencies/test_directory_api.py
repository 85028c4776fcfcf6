"""The agency directory: tolerant search, filters, ordering, stats exposure, query counts."""

import pytest

from backend.agencies import services
from backend.agencies.models import Agency, Corridor, LicenceStatus
from tests.agencies.conftest import make_review

LIST = "/api/v1/agencies/"


def add_agency(name, *, aliases=(), country="MM", corridors=(("MM", "TH"),), status="licensed"):
    agency = services.agency_save(
        agency=Agency(name=name, aliases=list(aliases), country=country, licence_status=status),
        corridors=corridors,
    )
    return agency


@pytest.fixture
def directory(db):
    return {
        "viet": add_agency(
            "Công ty Sản Xuất Việt",
            aliases=["SXV Manpower"],
            country="VN",
            corridors=[("VN", "TW")],
        ),
        "golden": add_agency(
            "Golden Bridge Manpower", country="MM", corridors=[("MM", "TH"), ("MM", "MY")]
        ),
        "shwe": add_agency(
            "Shwe Myanmar Overseas",
            aliases=["Golden Land Recruitment"],
            country="MM",
            corridors=[("MM", "MY")],
            status="suspended",
        ),
        "nepal": add_agency("Himalayan Jobs Pvt Ltd", country="NP", corridors=[("NP", "QA")]),
    }


def names(response):
    assert response.status_code == 200, response.content
    return [a["name"] for a in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("san xuat", ["Công ty Sản Xuất Việt"]),  # accents ignored
        ("SẢN XUẤT VIỆT", ["Công ty Sản Xuất Việt"]),  # case ignored
        ("manpow", ["Công ty Sản Xuất Việt", "Golden Bridge Manpower"]),  # partial word, alias
        ("golden", ["Golden Bridge Manpower", "Shwe Myanmar Overseas"]),  # alias match
        ("bridge golden", ["Golden Bridge Manpower"]),  # words in any order
        ("himalayan", ["Himalayan Jobs Pvt Ltd"]),
    ],
)
def test_search_tolerates_how_workers_type(api, directory, query, expected):
    assert sorted(names(api.get(LIST, {"q": query}))) == sorted(expected)


def test_search_without_match_is_empty(api, directory):
    assert names(api.get(LIST, {"q": "zzzz qqqq"})) == []


def test_filters_by_country_corridor_and_licence_status(api, directory):
    assert names(api.get(LIST, {"country": "mm", "ordering": "name"})) == [
        "Golden Bridge Manpower",
        "Shwe Myanmar Overseas",
    ]
    assert names(api.get(LIST, {"corridor": "MM-MY", "ordering": "name"})) == [
        "Golden Bridge Manpower",
        "Shwe Myanmar Overseas",
    ]
    assert names(api.get(LIST, {"corridor": "MM-TH"})) == ["Golden Bridge Manpower"]
    assert names(api.get(LIST, {"licence_status": "suspended"})) == ["Shwe Myanmar Overseas"]


@pytest.mark.parametrize(
    "params",
    [
        {"corridor": "MMTH"},
        {"country": "Myanmar"},
        {"ordering": "fees"},
        {"licence_status": "maybe"},
    ],
)
def test_bad_filters_are_a_clear_400(api, directory, params):
    response = api.get(LIST, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_sort_by_name_and_by_rating(api, directory):
    assert names(api.get(LIST, {"ordering": "name"})) == sorted(a.name for a in directory.values())
    for _ in range(5):
        make_review(directory["nepal"], overall=5, corridor=("NP", "QA"))
        make_review(directory["golden"], overall=2)
    for agency in directory.values():
        services.agency_aggregates_refresh(agency_id=agency.id)
    ranked = names(api.get(LIST, {"ordering": "rating"}))
    # Rated agencies first (best first), then the unrated ones by name.
    assert ranked[:2] == ["Himalayan Jobs Pvt Ltd", "Golden Bridge Manpower"]
    assert ranked[2:] == ["Công ty Sản Xuất Việt", "Shwe Myanmar Overseas"]
    assert names(api.get(LIST, {"ordering": "-rating"}))[0] == "Golden Bridge Manpower"


def test_list_and_detail_show_suppressed_stats_below_k(api, directory):
    golden = directory["golden"]
    for _ in range(4):
        make_review(golden, overall=5)
    services.agency_aggregates_refresh(agency_id=golden.id)
    detail = api.get(f"{LIST}{golden.id}/").json()
    assert detail["stats"]["suppressed"] is True
    assert detail["stats"]["review_count"] is None
    assert detail["stats"]["ratings"] is None
    assert detail["corridors"] == [
        {"origin": "MM", "destination": "MY"},
        {"origin": "MM", "destination": "TH"},
    ]
    make_review(golden, overall=5)
    services.agency_aggregates_refresh(agency_id=golden.id)
    detail = api.get(f"{LIST}{golden.id}/").json()
    assert detail["stats"]["suppressed"] is False
    assert detail["stats"]["review_count"] == 5


def test_raising_k_hides_stats_computed_under_a_lower_k(api, directory, settings):
    golden = directory["golden"]
    for _ in range(5):
        make_review(golden)
    services.agency_aggregates_refresh(agency_id=golden.id)
    settings.AGENCY_STATS_MIN_K = 8
    assert api.get(f"{LIST}{golden.id}/").json()["stats"]["suppressed"] is True


def test_unknown_agency_is_404(api, db):
    response = api.get(f"{LIST}00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_list_query_count_is_constant(api, db, django_assert_num_queries):
    for index in range(3):
        add_agency(f"Agency {index}")
    from django.db import connection

    # count, page with stats joined, corridors; PostgreSQL first checks for exact matches.
    expected = 4 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(expected):
        assert api.get(LIST, {"q": "agency", "ordering": "rating"}).json()["count"] == 3
    for index in range(3, 20):
        add_agency(f"Agency {index}", corridors=[("MM", "TH"), ("MM", "MY")])
    with django_assert_num_queries(expected):
        assert api.get(LIST, {"q": "agency", "ordering": "rating"}).json()["count"] == 20


def test_agency_save_keeps_search_text_and_corridors_in_sync(db):
    agency = add_agency("Ánh Dương", aliases=["Sunshine HR"], corridors=[("VN", "JP")])
    assert agency.search_text == "anh duong | sunshine hr"
    agency.name = "Ánh Dương Co."
    services.agency_save(agency=agency, corridors=[("VN", "TW")])
    agency.refresh_from_db()
    assert agency.search_text == "anh duong co | sunshine hr"
    assert list(Corridor.objects.filter(agency=agency).values_list("origin", "destination")) == [
        ("VN", "TW")
    ]


def test_corridor_fees_endpoint(api, db):
    golden = add_agency("Golden")
    for fee in (100, 200, 300, 400):
        make_review(golden, fees=[("recruitment", fee, "USD")], wage=(1000, "USD"))
    services.corridor_fee_stats_refresh(origin="MM", destination="TH")
    body = api.get("/api/v1/corridors/mm-th/fees").json()
    assert body["suppressed"] is True and body["fees_usd"] is None
    make_review(golden, fees=[("recruitment", 500, "USD")], wage=(1000, "USD"))
    services.corridor_fee_stats_refresh(origin="MM", destination="TH")
    body = api.get("/api/v1/corridors/MM-TH/fees").json()
    assert body == {
        "origin": "MM",
        "destination": "TH",
        "suppressed": False,
        "review_count": 5,
        "fee_paid_share": 1.0,
        "fees_usd": {"q1": 200.0, "median": 300.0, "q3": 400.0},
        "cost_to_earnings_ratio": {"q1": 0.2, "median": 0.3, "q3": 0.4},
        "cost_to_earnings_count": 5,
    }
    unknown = api.get("/api/v1/corridors/XX-YY/fees").json()
    assert unknown["suppressed"] is True


def test_licence_status_values(db):
    assert set(LicenceStatus.values) == {"licensed", "suspended", "revoked", "unknown"}


def test_typos_are_forgiven_on_postgresql_and_substring_search_is_the_sqlite_fallback(
    api, directory
):
    from django.db import connection

    found = names(api.get(LIST, {"q": "himalyan"}))  # one letter missing
    if connection.vendor == "postgresql":
        assert found == ["Himalayan Jobs Pvt Ltd"]
    else:
        assert found == []
    assert names(api.get(LIST, {"q": "himal"})) == ["Himalayan Jobs Pvt Ltd"]


def test_ranking_query_count_is_constant(api, db, django_assert_num_queries):
    for index in range(2):
        add_agency(f"Ranked {index}")
    with django_assert_num_queries(3):
        assert api.get(LIST, {"ordering": "rating", "country": "MM"}).json()["count"] == 2
    for index in range(2, 12):
        add_agency(f"Ranked {index}", corridors=[("MM", "TH"), ("MM", "SG")])
    with django_assert_num_queries(3):
        assert api.get(LIST, {"ordering": "rating", "corridor": "MM-TH"}).json()["count"] == 12


def test_presented_agency_matches_the_documented_output_serializer(api, directory):
    """The list/detail views skip DRF re-serialisation; the shape must equal AgencyOutput's."""
    import json

    from backend.agencies.api.serializers import AgencyOutput
    from backend.agencies.presenters import present_agency

    golden = directory["golden"]
    for _ in range(5):
        make_review(golden, fees=[("recruitment", 100, "USD")], wage=(500, "USD"))
    services.agency_aggregates_refresh(agency_id=golden.id)
    for agency in (Agency.objects.select_related("stats").get(pk=golden.id), directory["nepal"]):
        presented = present_agency(agency)
        via_serializer = json.loads(json.dumps(AgencyOutput(presented).data, default=str))
        assert json.loads(json.dumps(presented, default=str)) == via_serializer
    assert api.get(f"{LIST}{golden.id}/").json()["stats"]["fees_usd"] == {
        "q1": 100.0,
        "median": 100.0,
        "q3": 100.0,
    }
