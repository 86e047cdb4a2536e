"""Named crash points for the crash tests (``bench/crash.py``, ``tests/test_crash.py``).

``LMS_CRASH_AT=<name>`` makes a process die at once (``os._exit``: no cleanup,
no rollback, no flush of anything, as ``kill -9`` would) whenever it reaches
the point of that name. ``LMS_CRASH_AT=@<file>`` arms points from outside a
running server: the first process to reach the point named in *file* claims
it (by renaming the file, atomically, so exactly one process dies) and dies;
the harness writes the next name before its next request. Unset, a point
costs one environment lookup.
"""

from __future__ import annotations

import os

#: Exit status of a process that died at a crash point (the shell's code for SIGKILL).
CRASH_STATUS = 137


def crash_point(name: str) -> None:
    """Die here when ``LMS_CRASH_AT`` arms this point (read at call time, never at import)."""
    spec = os.environ.get("LMS_CRASH_AT")
    if not spec:
        return
    if spec.startswith("@"):
        armed = spec[1:]
        try:
            with open(armed, encoding="utf-8") as fh:
                if fh.read().strip() != name:
                    return
            os.rename(armed, armed + ".fired")
        except OSError:
            return  # not armed, or another process claimed it first
    elif spec != name:
        return
    os._exit(CRASH_STATUS)
