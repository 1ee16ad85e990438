"""Settings of the worker processes the fault tests start and kill: the test settings, with
files on disk (the test counts what a build leaves) and a heartbeat and sweep in seconds."""

import os

from config.test_settings import *  # noqa: F403

STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ["MEDIA_ROOT"]},
    },
}
REPORT_HEARTBEAT_SECONDS = 0.2
REPORT_BUILD_STALE_SECONDS = 2
