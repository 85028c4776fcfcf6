"""The mobile mix of the load test (run by bench/bench_load.py, never imported by pytest: locust
monkey-patches the standard library with gevent).

Each simulated user is one seeded worker on one phone with an address of its own
(``X-Forwarded-For``, trusted because the server runs with ``NUM_PROXIES=1``, as behind the
production proxy). It signs in, takes a full sync of its documents and complaints, then loops
over the tasks below with a think time of ``LOAD_WAIT_MIN``-``LOAD_WAIT_MAX`` seconds. Every
request must get exactly the status the app expects; anything else (and any 4xx/5xx or
connection error) is a failure, and the run fails on the first one.

Environment: ``LOAD_SEED_FILE`` (accounts and agencies, written by the seeding step),
``LOAD_SAMPLES_FILE`` (where every request's name, start time, latency in ms and outcome are
written at the end, for exact percentiles), ``LOAD_WAIT_MIN``/``LOAD_WAIT_MAX``.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from locust import FastHttpUser, between, constant_pacing, events, task

from bench.load.payloads import NARRATIVE, multipart, pdf_bytes

API = "/api/v1"
SEED = json.loads(Path(os.environ["LOAD_SEED_FILE"]).read_text())
SAMPLES: list[tuple[str, float, float, bool, int]] = []
_account_numbers = itertools.count()
#: At most one sign-in per user in this many seconds: the per-account sign-in throttle keeps its
#: production rate (5 a minute), and a real phone signs in far less often than that.
SIGN_IN_SPACING = 25.0


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@events.request.add_listener
def _record(name, start_time, response_time, exception, response=None, **_):
    status = getattr(response, "status_code", 0)
    SAMPLES.append((name, start_time, response_time, exception is None, status))


@events.quitting.add_listener
def _dump(**_):
    Path(os.environ["LOAD_SAMPLES_FILE"]).write_text(json.dumps(SAMPLES))


class MobileWorker(FastHttpUser):
    wait_time = between(
        float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "3"))
    )

    def on_start(self):
        number = next(_account_numbers)
        self.account = SEED["workers"][number % len(SEED["workers"])]
        self.address = f"10.77.{number // 250}.{number % 250 + 1}"
        self.access = ""
        self.signed_in_at = 0.0
        self.documents: list[str] = []
        self.complaints: list[str] = []
        self.etags: dict[str, str] = {}
        self.synced_at = now_iso()
        self.sign_in()
        self.full_sync()

    # --- helpers ------------------------------------------------------------------------------
    def headers(self, **extra) -> dict:
        headers = {"X-Forwarded-For": self.address, "Accept-Language": "en"}
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        headers.update(extra)
        return headers

    def call(self, method, path, name, expect=(200,), **kwargs):
        """One request; a status outside ``expect`` is a failure. Returns the response."""
        kwargs.setdefault("headers", self.headers())
        kwargs["headers"]["X-Load-Name"] = name  # for the server-side times in the access log
        with self.client.request(
            method, path, name=name, catch_response=True, **kwargs
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}: {response.text[:300]}")
            else:
                response.success()
        return response

    def get_cached(self, path, name):
        """A GET with the ETag of the previous answer for ``name``: 200 or 304."""
        extra = {"If-None-Match": self.etags[name]} if name in self.etags else {}
        response = self.call("GET", path, name, expect=(200, 304), headers=self.headers(**extra))
        if response.status_code == 200 and response.headers.get("ETag"):
            self.etags[name] = response.headers["ETag"]
        return response

    def sign_in(self):
        self.signed_in_at = time.monotonic()
        response = self.call(
            "POST",
            f"{API}/auth/token",
            "POST /auth/token (sign-in)",
            json={
                "phone": self.account["phone"],
                "password": self.account["password"],
                "device_name": "load-test phone",
            },
        )
        if response.status_code == 200:
            self.access = response.json()["access"]

    def full_sync(self):
        self.synced_at = now_iso()
        documents = self.call("GET", f"{API}/vault/documents/", "GET /vault/documents/ (full)")
        if documents.status_code == 200:
            self.documents = [d["id"] for d in documents.json()["results"]]
        complaints = self.call("GET", f"{API}/complaints/", "GET /complaints/")
        if complaints.status_code == 200:
            self.complaints = [c["id"] for c in complaints.json()["results"]]

    # --- the mix ------------------------------------------------------------------------------
    @task(1)
    def sign_in_again(self):
        if time.monotonic() - self.signed_in_at >= SIGN_IN_SPACING:
            self.sign_in()
        else:
            self.sync_documents()

    @task(10)
    def sync_documents(self):
        started = now_iso()
        response = self.get_cached(
            f"{API}/vault/documents/?updated_since={self.synced_at}",
            "GET /vault/documents/?updated_since= (sync)",
        )
        if response.status_code == 200:
            for document in response.json()["results"]:
                if document["id"] not in self.documents:
                    self.documents.append(document["id"])
        self.synced_at = started

    @task(2)
    def document_detail(self):
        if self.documents:
            self.call(
                "GET",
                f"{API}/vault/documents/{random.choice(self.documents)}/",
                "GET /vault/documents/<id>/",
            )

    @task(3)
    def download(self):
        if self.documents:
            self.call(
                "GET",
                f"{API}/vault/documents/{random.choice(self.documents)}/content",
                "GET /vault/documents/<id>/content (download)",
            )

    @task(2)
    def upload(self):
        body, content_type = multipart(
            {"kind": "payslip", "title": "Pay slip"},
            "payslip.pdf",
            pdf_bytes(20_000),
            "application/pdf",
        )
        response = self.call(
            "POST",
            f"{API}/vault/documents/",
            "POST /vault/documents/ (multipart 20 KB)",
            expect=(201,),
            data=body,
            headers=self.headers(**{"Content-Type": content_type}),
        )
        if response.status_code == 201:
            self.documents.append(response.json()["id"])

    @task(1)
    def upload_tus(self):
        content = pdf_bytes(50_000)
        tus = {"Tus-Resumable": "1.0.0"}
        created = self.call(
            "POST",
            f"{API}/vault/uploads/",
            "tus: POST /vault/uploads/ (create)",
            expect=(201,),
            headers=self.headers(
                **tus,
                **{
                    "Upload-Length": str(len(content)),
                    "Upload-Metadata": "filename " + base64.b64encode(b"contract.pdf").decode(),
                },
            ),
        )
        if created.status_code != 201:
            return
        upload_id = created.json()["id"]
        patched = self.call(
            "PATCH",
            f"{API}/vault/uploads/{upload_id}",
            "tus: PATCH /vault/uploads/<id> (50 KB)",
            expect=(204,),
            data=content,
            headers=self.headers(
                **tus,
                **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
            ),
        )
        if patched.status_code != 204:
            return
        finished = self.call(
            "POST",
            f"{API}/vault/documents/",
            "tus: POST /vault/documents/ {upload_id}",
            expect=(201,),
            json={"upload_id": upload_id, "kind": "employment_contract", "title": "Contract"},
        )
        if finished.status_code == 201:
            self.documents.append(finished.json()["id"])

    @task(4)
    def agencies_ranking(self):
        country = random.choice(["", "&country=MM", "&country=NP"])
        self.get_cached(
            f"{API}/agencies/?ordering=rating{country}", "GET /agencies/?ordering=rating"
        )

    @task(3)
    def agencies_search(self):
        word = random.choice(SEED["search_words"])
        self.call("GET", f"{API}/agencies/?q={word}", "GET /agencies/?q= (search)")

    @task(2)
    def agency_detail(self):
        agency = random.choice(SEED["agencies"])
        self.get_cached(f"{API}/agencies/{agency}/", "GET /agencies/<id>/")
        self.call("GET", f"{API}/agencies/{agency}/reviews/", "GET /agencies/<id>/reviews/")

    @task(1)
    def file_complaint(self):
        response = self.call(
            "POST",
            f"{API}/complaints/",
            "POST /complaints/ (file)",
            expect=(201,),
            json={
                "client_key": str(uuid.uuid4()),
                "employer_name": "Sunrise Seafood Co.",
                "agency": random.choice(SEED["agencies"]),
                "workplace_country": "TH",
                "workplace_region": "Samut Sakhon",
                "sector": "fishing",
                "categories": ["retention_of_identity_documents", "withholding_of_wages"],
                "narrative": NARRATIVE,
                "amount_claimed": "45000.00",
                "claimed_currency": "THB",
                "submit": True,
            },
        )
        if response.status_code == 201:
            self.complaints.append(response.json()["id"])

    @task(3)
    def follow_complaint(self):
        if not self.complaints:
            return
        complaint = random.choice(self.complaints)
        self.call("GET", f"{API}/complaints/{complaint}/", "GET /complaints/<id>/")
        self.call(
            "GET", f"{API}/complaints/{complaint}/messages/", "GET /complaints/<id>/messages/"
        )

    @task(1)
    def message(self):
        if self.complaints:
            self.call(
                "POST",
                f"{API}/complaints/{random.choice(self.complaints)}/messages/",
                "POST /complaints/<id>/messages/",
                expect=(201,),
                json={"body": "I have photos of the pay slips, I can send them."},
            )

    @task(2)
    def inbox(self):
        self.call("GET", f"{API}/notifications/", "GET /notifications/")

    @task(1)
    def me(self):
        self.get_cached(f"{API}/me", "GET /me")


class BaselineProbe(FastHttpUser):
    """One user (on top of ``--users`` - 1 phones) calling the minimal DRF endpoints every 0.25 s,
    served by the same gunicorn in the same run: the baseline every endpoint is compared with."""

    fixed_count = 1
    wait_time = constant_pacing(0.25)

    def on_start(self):
        response = self.client.post(
            f"{API}/auth/token",
            json={**SEED["probe"], "device_name": "probe"},
            headers={"X-Forwarded-For": "10.79.0.1"},
            name="probe sign-in (not counted)",
        )
        self.headers = {
            "X-Forwarded-For": "10.79.0.1",
            "Authorization": f"Bearer {response.json()['access']}",
        }
        self.authenticated = False

    @task
    def ping(self):
        self.authenticated = not self.authenticated
        path, name = (
            ("/bench/drf-ping-auth", "baseline: DRF APIView, device JWT")
            if self.authenticated
            else ("/bench/drf-ping", "baseline: DRF APIView, no auth")
        )
        self.client.get(path, headers={**self.headers, "X-Load-Name": name}, name=name)
