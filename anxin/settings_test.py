"""Settings for the test suite: the real settings, read with ANXIN_TESTING set."""

import os

os.environ["ANXIN_TESTING"] = "1"

from anxin.settings import *  # noqa: F403
