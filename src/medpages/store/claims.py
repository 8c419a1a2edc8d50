"""Who is drafting what: the names drafting processes claim medicines under, and letting go of
the claims of processes that are gone.

Several `generate` runs may share one database (PostgreSQL): each claims a medicine with a lease
(`Store.claim_medicine`) before drafting it, so none is drafted twice. A process that is killed
keeps its claims until their leases run out, unless a later run on the same machine sees that
the process is gone and lets them go at once.
"""

from __future__ import annotations

import os
import socket
import uuid

# How long a drafting process holds a medicine before another may take it (a crashed process's
# claims run out); far longer than one page takes, retries and rate-limit waits included.
CLAIM_LEASE_SECONDS = 900.0
BATCH_CLAIM_LEASE_SECONDS = 25 * 3600.0  # a batch answers within 24 hours


def new_worker_name() -> str:
    """`host:pid:run`: unique per run, and says which machine and process hold a claim."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def release_dead_local_claims(store) -> None:
    """Claims of processes of this machine that are gone (killed, crashed) are let go at once, so
    a rerun goes on where they stopped instead of waiting for their leases to run out."""
    host = socket.gethostname()
    for worker in store.claim_workers():
        worker_host, pid, _run = (worker.rsplit(":", 2) + ["", ""])[:3]
        if worker_host == host and pid.isdigit() and not process_alive(int(pid)):
            store.release_worker_claims(worker)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
