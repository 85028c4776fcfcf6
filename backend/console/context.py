"""Template context for console pages: the idle timeout (for the page's sign-out timer) and
whether the statistics link shows."""

from django.conf import settings

from backend.complaints.policies import can_see_statistics


def console(request) -> dict:
    if not request.path.startswith("/console/"):
        return {}
    user = getattr(request, "user", None)
    return {
        "idle_timeout": settings.CONSOLE_IDLE_TIMEOUT_SECONDS,
        "can_see_statistics": bool(user and user.is_authenticated and can_see_statistics(user)),
    }
