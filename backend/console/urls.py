"""The console's URL map (kept stable: the browser tests in tests/browser/ rely on it; see
docs/console.md)."""

from django.urls import path

from backend.console.views import auth, cases, moderation, statistics

app_name = "console"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.login, name="login"),
    path("login/verify/", auth.verify, name="verify"),
    path("enrol/", auth.enrol, name="enrol"),
    path("logout/", auth.logout, name="logout"),
    path("logout/everywhere/", auth.logout_everywhere, name="logout-everywhere"),
    path("queue/", cases.queue, name="queue"),
    path("cases/", cases.cases, name="cases"),
    path("cases/new/", cases.case_file, name="case-file"),
    path("cases/<uuid:complaint_id>/", cases.case_detail, name="case"),
    path("cases/<uuid:complaint_id>/transition/", cases.case_transition, name="case-transition"),
    path("cases/<uuid:complaint_id>/messages/", cases.case_message, name="case-message"),
    path("cases/<uuid:complaint_id>/hold/", cases.case_hold, name="case-hold"),
    path(
        "cases/<uuid:complaint_id>/evidence/<uuid:document_id>/",
        cases.evidence_view,
        name="evidence",
    ),
    path(
        "cases/<uuid:complaint_id>/evidence/<uuid:document_id>/content",
        cases.evidence_content,
        name="evidence-content",
    ),
    path("moderation/", moderation.moderation, name="moderation"),
    path(
        "moderation/<uuid:review_id>/decide/",
        moderation.moderation_decide,
        name="moderation-decide",
    ),
    path("agencies/", moderation.agencies, name="agencies"),
    path("statistics/", statistics.statistics, name="statistics"),
    path("statistics.csv", statistics.statistics_csv, name="statistics-csv"),
]
