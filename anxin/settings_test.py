"""Settings for the test suite: the real settings, read with ANXIN_TESTING set.

Runtime files (the embedded broker's folders, media) go to a temporary folder,
not the checkout's var/.
"""

import os
import tempfile

os.environ["ANXIN_TESTING"] = "1"
os.environ.setdefault("ANXIN_VAR_DIR", tempfile.mkdtemp(prefix="anxin-test-var-"))

from anxin.settings import *  # noqa: F403
