"""Child process for tests/test_store.py: acts on a state file the way a reader window would.

`kill PATH`: star `a1`, mark `a2` read, print "done", then wait to be killed.
`hammer PATH PREFIX N`: N actions on ids PREFIX-0..N-1 (star, read, tag in turn), then "ok".
`hold PATH SECONDS`: take the write lock, print "locked", hold it that long, then release it.
"""

from __future__ import annotations

import sys
import time

from reader.store import Store


def main(argv: list[str]) -> int:
    mode, path = argv[0], argv[1]
    store = Store.open(path)
    if mode == "kill":
        store.set_starred(["a1"], True)
        store.set_read(["a2"], True)
        print("done", flush=True)
        time.sleep(60)  # the parent sends SIGKILL long before this ends
        return 1
    if mode == "hammer":
        prefix, count = argv[2], int(argv[3])
        for i in range(count):
            article = f"{prefix}-{i}"
            action = i % 3
            if action == 0:
                store.set_starred([article], True)
            elif action == 1:
                store.set_read([article], True)
            else:
                store.add_tag([article], prefix)
        store.close()
        print("ok", flush=True)
        return 0
    if mode == "hold":
        import sqlite3

        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep(float(argv[2]))
        conn.execute("ROLLBACK")
        conn.close()
        return 0
    print(f"unknown mode {mode}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
