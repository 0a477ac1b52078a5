"""Subprocess worker of the crash-resume test (not a test module).

``python paper_worker.py SESSION_ID [CHECKPOINT K]`` runs (or resumes) a paper session
through the real composition root (database from TRADEGRAPH_DATABASE_URL, venue journal
under TRADEGRAPH_DATA_DIR). With CHECKPOINT and K it kills itself with SIGKILL the K-th
time the OMS or the runner passes CHECKPOINT, like a crash at that point. Exit code 0:
the session ran to the end of its replay.
"""

from __future__ import annotations

import os
import signal
import sys

from tradegraph.bootstrap.paper import build_session, open_paper
from tradegraph.orchestrator.sessions.spec import SessionStatus
from tradegraph.settings import load_settings


def main() -> int:
    session_id = sys.argv[1]
    target = sys.argv[2] if len(sys.argv) > 2 else None
    remaining = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hits = 0

    def checkpoint(name: str) -> None:
        nonlocal hits
        if name == target:
            hits += 1
            if hits >= remaining:
                os.kill(os.getpid(), signal.SIGKILL)

    with open_paper(load_settings()) as ctx:
        session = build_session(ctx, session_id, checkpoint=checkpoint, takeover=True)
        result = session.run()
    print(f"{result.status.value} bars={result.bars} warmup={result.warmup_bars}", flush=True)
    return 0 if result.status is SessionStatus.STOPPED else 1


if __name__ == "__main__":
    sys.exit(main())
