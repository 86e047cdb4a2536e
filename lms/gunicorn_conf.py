"""gunicorn's configuration under ``lms serve`` (passed as ``--config python:lms.gunicorn_conf``).

gunicorn reads the names it knows from this module; the command line given by
``lms serve`` (workers, threads, address, logger) adds to them.
"""

from lms.serving import post_worker_init, pre_request

__all__ = ["post_worker_init", "pre_request"]
