from django.conf import settings


def site(request):
    context = {
        "SITE_NAME": settings.RONGMEI["SITE_NAME"],
        "CENTER_NAME": settings.RONGMEI["CENTER_NAME"],
        "WEBSOCKET_URL": settings.RONGMEI["WEBSOCKET_URL"],
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Lazy: evaluated only by templates that show the bell.
        context["unread_notifications"] = lambda: user.notifications.filter(read_at__isnull=True).count()
    return context
