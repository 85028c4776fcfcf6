"""Channel backends against mocked providers (FCM, APNs over httpx; SMS; e-mail)."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from backend.notifications import texts
from backend.notifications.channels import (
    InvalidPushToken,
    OutboundMessage,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from backend.notifications.channels.email import EmailChannel
from backend.notifications.channels.providers import ApnsProvider, FcmProvider
from backend.notifications.channels.push import PushChannel
from backend.notifications.channels.sms import SmsChannel
from backend.notifications.models import NotificationPreference, PushToken

pytestmark = pytest.mark.django_db


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def message(recipient=None, *, urgent=False) -> OutboundMessage:
    return OutboundMessage(
        delivery_id="11111111-1111-1111-1111-111111111111",
        notification_id="22222222-2222-2222-2222-222222222222",
        channel="push",
        recipient=recipient,
        text=texts.render(
            event="complaint.message", subject_ref="FT-7K3Q-9M2D", urgent=urgent, language="en"
        ),
        urgent=urgent,
    )


class FakeGoogle:
    """OAuth token endpoint + FCM v1 send endpoint; answers with the queued statuses."""

    def __init__(self, public_key, answers):
        self.public_key = public_key
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.token_requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            self.token_requests += 1
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            claims = jwt.decode(
                form["assertion"], self.public_key, algorithms=["RS256"], audience=str(request.url)
            )
            assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
            return httpx.Response(
                200, json={"access_token": f"at-{self.token_requests}", "expires_in": 3600}
            )
        self.requests.append(request)
        status, body = self.answers.pop(0)
        return httpx.Response(status, json=body)


def fcm(rsa_key, google) -> FcmProvider:
    return FcmProvider(
        project_id="fairtrail-test",
        service_account={
            "client_email": "push@fairtrail-test.iam.gserviceaccount.com",
            "private_key": pem(rsa_key),
            "private_key_id": "k1",
            "token_uri": "https://oauth2.example/token",
        },
        endpoint="https://fcm.example",
        transport=httpx.MockTransport(google),
    )


def test_fcm_sends_v1_message_with_oauth_token(rsa_key):
    google = FakeGoogle(rsa_key.public_key(), [(200, {"name": "projects/x/messages/1"})] * 2)
    provider = fcm(rsa_key, google)

    provider.send(token="device-token-1", message=message(urgent=True))
    provider.send(token="device-token-2", message=message())

    first = google.requests[0]
    assert str(first.url) == "https://fcm.example/v1/projects/fairtrail-test/messages:send"
    assert first.headers["authorization"] == "Bearer at-1"
    body = json.loads(first.content)["message"]
    assert body["token"] == "device-token-1"
    assert body["notification"] == {
        "title": "Fairtrail",
        "body": "Fairtrail: something needs your attention on FT-7K3Q-9M2D. Please open the app.",
    }
    assert body["data"] == {"notification_id": "22222222-2222-2222-2222-222222222222"}
    assert body["android"]["priority"] == "high"
    assert body["android"]["notification"]["tag"] == body["data"]["notification_id"]
    assert google.token_requests == 1  # the access token is cached


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            404,
            {"error": {"status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}},
            InvalidPushToken,
        ),
        (400, {"error": {"status": "INVALID_ARGUMENT"}}, InvalidPushToken),
        (503, {"error": {"status": "UNAVAILABLE"}}, TemporaryDeliveryError),
        (429, {"error": {"status": "RESOURCE_EXHAUSTED"}}, TemporaryDeliveryError),
        (403, {"error": {"status": "PERMISSION_DENIED"}}, PermanentDeliveryError),
    ],
)
def test_fcm_error_codes(rsa_key, status, body, error):
    provider = fcm(rsa_key, FakeGoogle(rsa_key.public_key(), [(status, body)]))

    with pytest.raises(error):
        provider.send(token="device-token-1", message=message())


def test_fcm_401_renews_the_access_token(rsa_key):
    google = FakeGoogle(rsa_key.public_key(), [(401, {"error": {}}), (200, {})])
    provider = fcm(rsa_key, google)

    with pytest.raises(TemporaryDeliveryError):
        provider.send(token="t", message=message())
    provider.send(token="t", message=message())

    assert google.token_requests == 2
    assert google.requests[1].headers["authorization"] == "Bearer at-2"


def test_fcm_network_failure_is_temporary(rsa_key):
    def down(request):
        raise httpx.ConnectError("connection refused")

    provider = FcmProvider(
        project_id="p",
        service_account={"client_email": "a@b", "private_key": pem(rsa_key)},
        endpoint="https://fcm.example",
        transport=httpx.MockTransport(down),
    )
    with pytest.raises(TemporaryDeliveryError):
        provider.send(token="t", message=message())


class FakeApple:
    def __init__(self, public_key, answers):
        self.public_key = public_key
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        scheme, token = request.headers["authorization"].split(" ")
        assert scheme == "bearer"
        assert jwt.get_unverified_header(token)["kid"] == "KEY123"
        assert jwt.decode(token, self.public_key, algorithms=["ES256"])["iss"] == "TEAM123"
        status, body = self.answers.pop(0)
        return httpx.Response(status, json=body) if body else httpx.Response(status)


def apns(ec_key, apple) -> ApnsProvider:
    return ApnsProvider(
        team_id="TEAM123",
        key_id="KEY123",
        private_key=pem(ec_key),
        topic="org.fairtrail.app",
        endpoint="https://apns.example",
        transport=httpx.MockTransport(apple),
    )


def test_apns_sends_alert_with_provider_token(ec_key):
    apple = FakeApple(ec_key.public_key(), [(200, None)])

    apns(ec_key, apple).send(token="abc123", message=message())

    [request] = apple.requests
    assert str(request.url) == "https://apns.example/3/device/abc123"
    assert request.headers["apns-topic"] == "org.fairtrail.app"
    assert request.headers["apns-push-type"] == "alert"
    assert request.headers["apns-collapse-id"] == "22222222-2222-2222-2222-222222222222"
    body = json.loads(request.content)
    assert body["aps"]["alert"]["body"] == (
        "Fairtrail: there is an update on FT-7K3Q-9M2D. Open the app to see it."
    )


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        (410, "Unregistered", InvalidPushToken),
        (400, "BadDeviceToken", InvalidPushToken),
        (403, "ExpiredProviderToken", TemporaryDeliveryError),
        (503, "ServiceUnavailable", TemporaryDeliveryError),
        (400, "PayloadTooLarge", PermanentDeliveryError),
    ],
)
def test_apns_error_codes(ec_key, status, reason, error):
    provider = apns(ec_key, FakeApple(ec_key.public_key(), [(status, {"reason": reason})]))

    with pytest.raises(error):
        provider.send(token="abc123", message=message())


def test_invalid_tokens_are_pruned_and_valid_ones_kept(worker, settings):
    good = PushToken.objects.create(user=worker, platform="android", token="good-token-000001")
    gone = PushToken.objects.create(user=worker, platform="ios", token="gone-token-000002")

    from backend.notifications import channels

    settings.NOTIFICATIONS_PUSH_PROVIDERS = {
        "android": "backend.notifications.channels.logging.LoggingPushProvider",
        "ios": "tests.notifications.test_channels.GoneProvider",
    }
    channels.reset_backends()
    outbound = message(worker)
    outbound.push_tokens = [good, gone]

    result = PushChannel().send(outbound)

    assert result.sent is True
    assert list(PushToken.objects.filter(user=worker)) == [good]
    assert PushToken.objects.get(pk=good.pk).last_used_at is not None


class GoneProvider:
    def send(self, *, token, message):
        raise InvalidPushToken("apns_Unregistered")


def test_all_tokens_invalid_means_skipped(worker, settings):
    from backend.notifications import channels

    gone = PushToken.objects.create(user=worker, platform="ios", token="gone-token-000003")
    settings.NOTIFICATIONS_PUSH_PROVIDERS = {
        **settings.NOTIFICATIONS_PUSH_PROVIDERS,
        "ios": "tests.notifications.test_channels.GoneProvider",
    }
    channels.reset_backends()
    outbound = message(worker)
    outbound.push_tokens = [gone]

    result = PushChannel().send(outbound)

    assert result.sent is False and result.reason == "push_tokens_invalid"
    assert not PushToken.objects.filter(pk=gone.pk).exists()


def test_sms_channel_uses_the_platform_sms_backend(worker, sms):
    outbound = message(worker)
    outbound.channel = "sms"

    assert SmsChannel().send(outbound).sent is True

    [sent] = sms
    assert sent.to == worker.phone
    assert sent.body == "Fairtrail: there is an update on FT-7K3Q-9M2D. Open the app to see it."


def test_sms_needs_a_verified_phone(inspector, sms):
    assert SmsChannel().send(message(inspector)).reason == "no_verified_phone"
    assert sms == []


def test_email_channel_uses_django_mail(inspector, mailoutbox):
    NotificationPreference.objects.create(
        user=inspector, email=True, email_address="inspector@example.org"
    )
    inspector.refresh_from_db()
    outbound = message(inspector)
    outbound.channel = "email"

    assert EmailChannel().send(outbound).sent is True

    [mail] = mailoutbox
    assert mail.to == ["inspector@example.org"]
    assert mail.subject == "Fairtrail: you have an update"
    assert "FT-7K3Q-9M2D" in mail.body
    assert mail.extra_headers["X-Fairtrail-Delivery"] == outbound.delivery_id


def test_email_without_address_is_skipped(inspector, mailoutbox):
    assert EmailChannel().send(message(inspector)).reason == "no_email_address"
    assert mailoutbox == []
