from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.RONGMEI["SITE_NAME"],
        "CENTER_NAME": settings.RONGMEI["CENTER_NAME"],
        "WEBSOCKET_URL": settings.RONGMEI["WEBSOCKET_URL"],
    }
