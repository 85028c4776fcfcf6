"""The project's URLs plus the plain baselines the vault is compared with, served by the same
process: a FileResponse of plaintext bytes and Django's default (plaintext, temp-file) upload."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

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


urlpatterns = [
    path("bench/plain/<str:name>", plain_download),
    path("bench/plain-upload", plain_upload),
    path("bench/ping", ping),
    *project_urlpatterns,
]
