"""Phone photos lose their EXIF/GPS before they are stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.vault.conftest import upload_document
from tests.vault.files import make_jpeg_with_gps

pytestmark = pytest.mark.django_db


def test_gps_location_is_gone_after_upload(worker_client):
    original = make_jpeg_with_gps(comment=b"home address")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    response = upload_document(
        worker_client, original, name="photo.jpg", content_type="image/jpeg", kind="payslip"
    )
    assert response.status_code == 201, response.json()
    doc = response.json()
    stored = b"".join(
        worker_client.get(f"/api/v1/vault/documents/{doc['id']}/content").streaming_content
    )
    image = Image.open(io.BytesIO(stored))
    assert image.size == (64, 48)
    exif = image.getexif()
    assert not exif.get_ifd(0x8825)
    assert 0x010F not in exif
    assert b"CheapPhone" not in stored
    assert b"home address" not in stored
    assert doc["current_version"]["content_type"] == "image/jpeg"
    assert doc["current_version"]["size"] == len(stored)
