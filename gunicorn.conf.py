"""gunicorn reads this file from the working directory (production, docker-compose.yml and the
benchmarks all start it from the project's folder); the command line's options win."""

import gc


def post_worker_init(worker):
    """Once the portal is loaded, its modules, templates and settings are moved out of the
    garbage collector's sight: they live as long as the worker, and a full collection no longer
    walks them on every request that triggers one (about 1 ms a page, benchmarks/redmine.md)."""
    gc.freeze()
