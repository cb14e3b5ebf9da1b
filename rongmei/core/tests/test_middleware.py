import pytest
from django.test import RequestFactory

from rongmei.core.middleware import request_ip


def test_the_client_address_is_the_socket_peer_unless_the_proxy_is_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.5")
    settings.TRUST_X_FORWARDED_FOR = False
    assert request_ip(request) == "10.0.0.5"
    settings.TRUST_X_FORWARDED_FOR = True
    assert request_ip(request) == "203.0.113.9"


@pytest.mark.django_db
@pytest.mark.parametrize("changed", [False, True])
def test_a_database_gone_before_the_sessions_save_is_not_a_bad_request(rf, monkeypatch, changed):
    """SESSION_SAVE_EVERY_REQUEST saves every session after the view. When PostgreSQL goes away in
    between, Django says 400; the view's answer (a stored question) stands when only the idle
    timer was to be renewed, and a changed session becomes the 503 of a database away."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError
    from django.http import HttpResponse

    from rongmei.core.middleware import ResilientSessionMiddleware

    session = SessionStore()
    session["fan"] = 7
    session.save()

    def gone(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("django.db.models.Model.save", gone)
    request = rf.post("/wenzheng/ask/")
    request.COOKIES["sessionid"] = session.session_key

    def view(request):
        if changed:
            request.session["fan"] = 8  # a login in this request
        return HttpResponse(status=302)

    middleware = ResilientSessionMiddleware(view)
    if changed:
        with pytest.raises(OperationalError):  # on to handler500: 503 (rongmei/core/errors.py)
            middleware(request)
    else:
        assert middleware(request).status_code == 302
