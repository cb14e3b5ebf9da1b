"""The WSGI application (gunicorn in the scaled setup: deploy/systemd/rongmei-web@.service).

Before its first request each process loads what the first 问政 question would otherwise wait
for (rongmei/core/warmup.py); RONGMEI_WARMUP=0 skips that.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")

application = get_wsgi_application()

if os.environ.get("RONGMEI_WARMUP", "1") != "0":
    from rongmei.core.warmup import warm

    warm()
