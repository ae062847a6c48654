"""WSGI entry point: ``gunicorn -w 4 wsgi:app``."""

from tracker import create_app
from tracker.core.collector import freeze_startup_objects

app = create_app()
# the app's own objects live as long as the worker: keep them out of full collections
freeze_startup_objects()
