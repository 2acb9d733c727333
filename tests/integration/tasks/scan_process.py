"""One scanner process for the integration test: `python -m ... URL ISO-DAY [ISO-DAY ...]`.

Waits for the file named by SCAN_GO (so that every process starts at once), scans each given
day (08:00 local) and prints the number of events it emitted.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

from services.tasks.scanner import scan_once
from services.tasks.settings import TasksSettings
from shared.calendar import LOCAL_TZ
from shared.db import Database


def main() -> None:
    url, day = sys.argv[1], date.fromisoformat(sys.argv[2])
    db = Database(url)
    db.ping()
    go = Path(os.environ["SCAN_GO"])
    while not go.exists():
        time.sleep(0.01)
    now = datetime.combine(day, clock_time(8, 0), LOCAL_TZ).astimezone(UTC)
    hang = os.environ.get("SCAN_HANG_AFTER_CLAIM")

    def after_claim(count: int) -> None:
        if hang:  # tell the test what is held, then wait to be killed
            Path(hang).write_text(str(count))
            time.sleep(600)

    print(scan_once(db=db, settings=TasksSettings(scan_batch=50), now=now,
                    after_claim=after_claim), flush=True)
    db.dispose()


if __name__ == "__main__":
    main()
