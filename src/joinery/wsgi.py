import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinery.settings.base")
application = get_wsgi_application()

# Import every view now (the URL map), then exempt everything loaded so far from garbage
# collection: it lives as long as the process, and without this each full collection during a
# request walks all of Django and our modules again (hundreds of milliseconds on a big page).
_views = get_resolver().url_patterns
gc.freeze()
