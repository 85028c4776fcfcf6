"""Real push providers: Firebase Cloud Messaging HTTP v1 and the Apple Push Notification
service (HTTP/2, token-based authentication). Both use ``httpx``; tests pass a mock transport.

Only the content-free text, the notification id (so the app can open the inbox) and a collapse
id are sent. Error handling follows the providers' documented codes:

- FCM: 404 ``UNREGISTERED``, 400 ``INVALID_ARGUMENT`` and 403 ``SENDER_ID_MISMATCH`` mean the
  token is useless (pruned); 401 drops the cached OAuth token and retries; 429 and 5xx retry.
- APNs: 410 ``Unregistered`` and 400 ``BadDeviceToken``/``DeviceTokenNotForTopic`` prune;
  403 ``ExpiredProviderToken``/``InvalidProviderToken`` renews the signing JWT and retries;
  429 and 5xx retry.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
from django.conf import settings

from backend.notifications.channels.base import (
    InvalidPushToken,
    OutboundMessage,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _temporary_for_transport(error: httpx.HTTPError, provider: str) -> TemporaryDeliveryError:
    return TemporaryDeliveryError(f"{provider}_unreachable:{type(error).__name__}")


class FcmProvider:
    """FCM HTTP v1: ``POST {endpoint}/v1/projects/{project}/messages:send`` with an OAuth 2
    access token obtained from a service account (JWT bearer grant, RS256)."""

    def __init__(
        self,
        *,
        project_id: str | None = None,
        service_account: dict[str, Any] | None = None,
        endpoint: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.project_id = project_id or settings.FCM_PROJECT_ID
        if service_account is None:
            path = settings.FCM_SERVICE_ACCOUNT_FILE
            service_account = json.loads(Path(path).read_text()) if path else {}
        self.account = service_account
        self.endpoint = (endpoint or settings.FCM_ENDPOINT).rstrip("/")
        self.client = httpx.Client(transport=transport, timeout=TIMEOUT)
        self._lock = threading.Lock()
        self._access_token = ""
        self._expires = 0.0

    def _token(self) -> str:
        with self._lock:
            if self._access_token and time.time() < self._expires - 60:
                return self._access_token
            now = int(time.time())
            token_uri = self.account.get("token_uri", "https://oauth2.googleapis.com/token")
            assertion = jwt.encode(
                {
                    "iss": self.account["client_email"],
                    "scope": FCM_SCOPE,
                    "aud": token_uri,
                    "iat": now,
                    "exp": now + 3600,
                },
                self.account["private_key"],
                algorithm="RS256",
                headers={"kid": self.account.get("private_key_id", "")},
            )
            try:
                response = self.client.post(
                    token_uri,
                    data={
                        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                        "assertion": assertion,
                    },
                )
            except httpx.HTTPError as error:
                raise _temporary_for_transport(error, "fcm_oauth") from error
            if response.status_code >= 500 or response.status_code == 429:
                raise TemporaryDeliveryError(f"fcm_oauth_http_{response.status_code}")
            if response.status_code != 200:
                raise PermanentDeliveryError(f"fcm_oauth_http_{response.status_code}")
            body = response.json()
            self._access_token = body["access_token"]
            self._expires = time.time() + int(body.get("expires_in", 3600))
            return self._access_token

    def _forget_token(self) -> None:
        with self._lock:
            self._access_token = ""

    def payload(self, *, token: str, message: OutboundMessage) -> dict[str, Any]:
        return {
            "message": {
                "token": token,
                "notification": {"title": message.text.title, "body": message.text.body},
                "data": {"notification_id": message.notification_id},
                "android": {
                    "priority": "high" if message.urgent else "normal",
                    "notification": {"tag": message.notification_id},
                },
            }
        }

    def send(self, *, token: str, message: OutboundMessage) -> None:
        url = f"{self.endpoint}/v1/projects/{self.project_id}/messages:send"
        try:
            response = self.client.post(
                url,
                json=self.payload(token=token, message=message),
                headers={"Authorization": f"Bearer {self._token()}"},
            )
        except httpx.HTTPError as error:
            raise _temporary_for_transport(error, "fcm") from error
        if response.status_code == 200:
            return
        code = _fcm_error_code(response)
        if response.status_code == 404 or code in {
            "UNREGISTERED",
            "INVALID_ARGUMENT",
            "SENDER_ID_MISMATCH",
        }:
            raise InvalidPushToken(f"fcm_{code or response.status_code}")
        if response.status_code == 401:
            self._forget_token()
            raise TemporaryDeliveryError("fcm_http_401")
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryDeliveryError(f"fcm_http_{response.status_code}")
        raise PermanentDeliveryError(f"fcm_http_{response.status_code}_{code}")


def _fcm_error_code(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return ""
    for detail in error.get("details", []) or []:
        if detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status", ""))


class ApnsProvider:
    """APNs over HTTP/2: ``POST {endpoint}/3/device/{token}`` with an ES256 provider token
    (``kid`` = key id, ``iss`` = team id), renewed every 50 minutes (Apple: 20 to 60)."""

    TOKEN_LIFETIME = 50 * 60

    def __init__(
        self,
        *,
        team_id: str | None = None,
        key_id: str | None = None,
        private_key: str | None = None,
        topic: str | None = None,
        endpoint: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.team_id = team_id or settings.APNS_TEAM_ID
        self.key_id = key_id or settings.APNS_KEY_ID
        if private_key is None:
            path = settings.APNS_PRIVATE_KEY_FILE
            private_key = Path(path).read_text() if path else ""
        self.private_key = private_key
        self.topic = topic or settings.APNS_TOPIC
        self.endpoint = (endpoint or settings.APNS_ENDPOINT).rstrip("/")
        self.client = httpx.Client(http2=transport is None, transport=transport, timeout=TIMEOUT)
        self._lock = threading.Lock()
        self._jwt = ""
        self._issued = 0.0

    def _provider_token(self) -> str:
        with self._lock:
            if not self._jwt or time.time() - self._issued > self.TOKEN_LIFETIME:
                self._issued = time.time()
                self._jwt = jwt.encode(
                    {"iss": self.team_id, "iat": int(self._issued)},
                    self.private_key,
                    algorithm="ES256",
                    headers={"kid": self.key_id},
                )
            return self._jwt

    def _forget_token(self) -> None:
        with self._lock:
            self._jwt = ""

    def payload(self, *, message: OutboundMessage) -> dict[str, Any]:
        return {
            "aps": {
                "alert": {"title": message.text.title, "body": message.text.body},
                "sound": "default",
            },
            "notification_id": message.notification_id,
        }

    def send(self, *, token: str, message: OutboundMessage) -> None:
        headers = {
            "authorization": f"bearer {self._provider_token()}",
            "apns-topic": self.topic,
            "apns-push-type": "alert",
            "apns-priority": "10" if message.urgent else "5",
            "apns-collapse-id": message.notification_id,
            "apns-expiration": str(int(time.time()) + 7 * 24 * 3600),
        }
        try:
            response = self.client.post(
                f"{self.endpoint}/3/device/{token}",
                json=self.payload(message=message),
                headers=headers,
            )
        except httpx.HTTPError as error:
            raise _temporary_for_transport(error, "apns") from error
        if response.status_code == 200:
            return
        try:
            reason = str(response.json().get("reason", ""))
        except ValueError:
            reason = ""
        if response.status_code == 410 or reason in {
            "BadDeviceToken",
            "DeviceTokenNotForTopic",
            "Unregistered",
        }:
            raise InvalidPushToken(f"apns_{reason or response.status_code}")
        if response.status_code == 403 and reason in {
            "ExpiredProviderToken",
            "InvalidProviderToken",
        }:
            self._forget_token()
            raise TemporaryDeliveryError(f"apns_{reason}")
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryDeliveryError(f"apns_http_{response.status_code}_{reason}")
        raise PermanentDeliveryError(f"apns_http_{response.status_code}_{reason}")
