"""Entry point for any WSGI server: ``gunicorn wsgi:app``."""

from backend import create_app

app = create_app()
