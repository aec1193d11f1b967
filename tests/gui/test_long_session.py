"""An afternoon in one window, in well under a minute: 120 rounds, each a new search and one or
two tests (some stopped and run again after Back and Next, some from the result page), with the
Advanced dialog opened and closed on the way (tests/support/long_session.py). Qt objects and
threads stay the same; Python objects, smtpwizard's own memory and the process's memory stay
flat; the reference counts of True and False do not move and None's is never lost. PySide6
6.12.0's lost reference to True at every signal aborted the wizard after about 85 searches on
Python 3.11; a leak of one object per search, test or dialog would show here as hundreds.

The session runs in a fresh process: nothing left over from other tests moves its figures, and
coverage (which keeps a tracer for every thread) is not in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: From Python 3.12 on, True, False and None are immortal: their counts no longer count
#: (extensions built for older versions still move them) and cannot reach zero.
IMMORTAL = sys.version_info >= (3, 12)


def test_an_afternoon_of_searching_and_testing_in_one_window(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SMTPWIZARD_CONFIG_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.long_session"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    before, after = figures.pop("before"), figures.pop("after")
    change = {key: after[key] - before[key] for key in before}
    change["wizard_bytes"] = after["wizard_bytes"] - figures.pop("traced_from")
    summary = {**figures, **{f"{key}_change": value for key, value in change.items()}}
    for name, value in summary.items():
        record_property(name, value)
    print("long session:", json.dumps(summary))

    rounds, measured, traced = figures["rounds"], figures["measured"], figures["traced"]
    assert figures["searches"] == rounds + 1
    assert figures["tests"] >= rounds
    assert figures["stopped"] == rounds // 4
    assert figures["dialogs"] == rounds // 4
    assert change["qt_objects"] == 0, summary
    assert change["threads"] <= 0, summary
    # Python objects alive: the same, give or take a few; one lost a round would add 100.
    assert change["python_objects"] < 40, summary
    # What smtpwizard's code allocated in the traced rounds and still holds: less than 4 KiB
    # a round (a round's results alone, kept by mistake, weigh more than 20 KiB).
    assert change["wizard_bytes"] < 4096 * traced, summary
    # The whole process, for the record: Qt, OpenSSL and the thread stacks the C library
    # keeps for new threads grow it by some KiB a round; a leaked page or dialog would be
    # far more.
    assert change["rss_kib"] < 128 * measured, summary
    if IMMORTAL:
        return  # no count to watch, and nothing a lost reference could free
    # True and False: neither lost (6.12.0) nor kept references.
    assert abs(change["true"]) < 20, summary
    assert abs(change["false"]) < 20, summary
    # None: never lost. PySide6 6.11 keeps one reference to None for every widget created
    # from Python and deleted again (harmless: None's count only grows).
    assert change["none"] > -20, summary
