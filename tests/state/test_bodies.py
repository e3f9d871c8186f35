from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from coursesite.state.bodies import Bodies
from coursesite.state.db import Database


def bodies(path: Path, writable: bool = True) -> Bodies:
    """The bodies of a state file, as a build opens them."""
    return Bodies(Database(path, writable))


def close(store: Bodies) -> None:
    store.flush()
    store.db.close()


def stored_keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {key for (key,) in db.execute("SELECT key FROM bodies")}


def test_what_is_put_is_got_back_by_a_later_build(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = bodies(path)
    store.put("a", {"html": "<p>A</p>", "toc": [[2, "x", "X"]]})
    close(store)
    assert bodies(path).get("a") == {"html": "<p>A</p>", "toc": [[2, "x", "X"]]}
    assert bodies(path).get("b") is None


def test_the_store_forgets_the_least_recently_used(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = bodies(path)
    for n in range(6):
        store.put(f"k{n}", {"html": f"<p>Body {n}</p>"})
        store.flush()
    assert store.get("k0") is not None  # used again: the newest now
    store.prune(keep=3)
    close(store)
    assert stored_keys(path) == {"k0", "k4", "k5"}


def test_a_damaged_value_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = bodies(path)
    store.put("a", {"html": "<p>Right</p>"})
    close(store)
    with sqlite3.connect(path) as db:
        (value,) = db.execute("SELECT value FROM bodies").fetchone()
        db.execute("UPDATE bodies SET value = ?", (value.replace(b"Right", b"Wrong"),))
    assert bodies(path).get("a") is None


def test_a_file_that_is_not_a_database_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not SQLite" * 100)
    store = bodies(path)
    assert store.get("a") is None
    store.put("a", {"html": "<p>A</p>"})
    close(store)
    assert bodies(path).get("a") == {"html": "<p>A</p>"}


def test_a_store_that_only_reads_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "state.sqlite"
    store = bodies(path, writable=False)
    store.put("a", {"html": "<p>A</p>"})
    close(store)
    assert store.get("a") is None
    assert not (tmp_path / "cache").exists()


def test_a_store_another_process_holds_is_waited_for(tmp_path: Path) -> None:
    """A new store that another process is writing (making it, say) is not given up on."""
    path = tmp_path / "state.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    store = bodies(path)
    store.put("a", {"html": "<p>A</p>"})
    close(store)
    holder.close()
    assert stored_keys(path) == {"a"}


def test_worker_processes_write_at_once_and_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = bodies(path)
    assert store.get("nothing yet") is None  # the parent has it open when it forks
    children = []
    for worker in range(3):
        pid = os.fork()
        if pid == 0:  # a worker, as the build's process pool forks them
            code = 0
            try:
                for n in range(200):
                    store.put(f"{worker}-{n}", {"html": "<p>" + "x" * 3000 + "</p>"})
                    if n % 40 == 39:
                        store.flush()
                store.flush()
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    for pid in children:
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    store.put("parent", {"html": "<p>P</p>"})  # the parent's connection still works
    close(store)
    assert stored_keys(path) == {"parent"} | {f"{w}-{n}" for w in range(3) for n in range(200)}
