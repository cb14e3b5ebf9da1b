from django.test import RequestFactory

from rongmei.core.middleware import request_ip


def test_the_client_address_is_the_socket_peer_unless_the_proxy_is_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.5")
    settings.TRUST_X_FORWARDED_FOR = False
    assert request_ip(request) == "10.0.0.5"
    settings.TRUST_X_FORWARDED_FOR = True
    assert request_ip(request) == "203.0.113.9"
