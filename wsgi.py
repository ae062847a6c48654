"""WSGI entry point: ``gunicorn -w 4 wsgi:app``."""

from tracker import create_app

app = create_app()
