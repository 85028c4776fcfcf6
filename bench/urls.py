"""The project's URLs plus the plain baselines the vault is compared with, served by the same
process: a FileResponse of plaintext bytes and Django's default (plaintext, temp-file) upload;
and the minimal endpoints the load test (bench/bench_load.py) compares every endpoint with."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.config.urls import urlpatterns as project_urlpatterns


def plain_download(request, name):
    return FileResponse(default_storage.open(f"bench-plain/{name}", "rb"))


@csrf_exempt
def plain_upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        return HttpResponseBadRequest()
    saved = default_storage.save("bench-plain/upload.bin", upload)
    default_storage.delete(saved)
    return JsonResponse({"size": upload.size})


def ping(request):
    return JsonResponse({"ok": True})


class DrfPing(APIView):
    """The minimal DRF endpoint (no authentication, no throttles): the load test's baseline."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


class DrfPingAuthenticated(APIView):
    """The same with the project's defaults: device-bound JWT (one query) and IsAuthenticated."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/plain/<str:name>", plain_download),
    path("bench/plain-upload", plain_upload),
    path("bench/ping", ping),
    path("bench/drf-ping", DrfPing.as_view()),
    path("bench/drf-ping-auth", DrfPingAuthenticated.as_view()),
    *project_urlpatterns,
]
