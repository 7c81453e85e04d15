"""WSGI entry point: HTTP under granian (or any WSGI server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitter_site.settings")

application = get_wsgi_application()
