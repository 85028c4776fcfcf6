"""An SMS backend for the load test that refuses to send: the mix never asks for a code."""

from backend.core.sms import SmsBackend


class RefusingSmsBackend(SmsBackend):
    def send(self, message) -> None:
        raise RuntimeError("The load test sends no SMS.")
