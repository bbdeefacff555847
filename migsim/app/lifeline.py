"""Worker processes end with the app: each watches the process that started it.

The app's runs go to a pool of worker processes started by a fork server. Stopping the app
stops its whole process group, but a pool started again while the server stops (after its
workers were stopped first) would outlive it as orphans. So the fork server and every worker
watch their parent and exit as soon as it is gone.
"""

from __future__ import annotations

import os
import threading
import time

_watching: int | None = None  # the process that watches (a forked child must start again)


def end_with_parent(poll_s: float = 0.5) -> None:
    """Exit this process when the process that started it ends (a daemon thread checks)."""
    global _watching
    if _watching == os.getpid():
        return
    _watching = os.getpid()
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="migsim-lifeline").start()
