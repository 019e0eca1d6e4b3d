"""A new SQLite job file is switched to WAL mode even while another process holds it."""

from __future__ import annotations

import sqlite3
import threading

from service.jobs.tables import _write_ahead_log


def test_a_locked_new_file_is_switched_to_wal_once_the_lock_is_gone(tmp_path) -> None:
    path = tmp_path / "jobs.sqlite"
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.commit()
    holder.isolation_level = None
    holder.execute("BEGIN EXCLUSIVE")  # (another process creating its tables)
    starter = sqlite3.connect(path, timeout=0)  # (SQLite answers "locked" at once)
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        _write_ahead_log(starter, None)
    finally:
        release.join()
    assert starter.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    starter.close()
    holder.close()


def test_a_file_already_in_wal_mode_is_left_as_it_is(tmp_path) -> None:
    path = tmp_path / "jobs.sqlite"
    first = sqlite3.connect(path)
    _write_ahead_log(first, None)
    second = sqlite3.connect(path)
    _write_ahead_log(second, None)
    assert second.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first.close()
    second.close()
