"""Celery entry point: ``celery -A lms.worker:celery worker``.

The only module that builds an application on import, because Celery's
command line needs a module-level ``celery`` object.
"""

from lms import create_app

app = create_app()
celery = app.extensions["celery"]
