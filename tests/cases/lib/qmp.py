#!/usr/bin/python3
"""A minimal QMP client for the nested-guest cases.

  qmp.py SOCKET JSON...                run each command, print each "return" as JSON
  qmp.py SOCKET --wait-migration SECS  poll query-migrate every second until the
                                       migration completes (exit 0) or fails, is
                                       cancelled or SECS pass (exit 1)

A command is a QMP object, e.g. '{"execute": "query-status"}'. An "error" answer
is printed and makes the exit status 1. Events are skipped.
"""
import json
import socket
import sys
import time


class QMP:
    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self._read()                     # greeting
        self.cmd({"execute": "qmp_capabilities"})

    def _read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QMP socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, obj):
        self.sock.sendall(json.dumps(obj).encode() + b"\n")
        while True:
            msg = self._read()
            if "return" in msg or "error" in msg:
                return msg


def wait_migration(q, secs):
    deadline = time.monotonic() + secs
    last = None
    while time.monotonic() < deadline:
        r = q.cmd({"execute": "query-migrate"}).get("return", {})
        status = r.get("status")
        ram = r.get("ram", {})
        line = "status=%s transferred=%s remaining=%s dirty-sync=%s" % (
            status, ram.get("transferred"), ram.get("remaining"),
            ram.get("dirty-sync-count"))
        if line != last:
            print(line, flush=True)
            last = line
        if status == "completed":
            print("migration completed total-time=%sms downtime=%sms"
                  % (r.get("total-time"), r.get("downtime")), flush=True)
            return 0
        if status in ("failed", "cancelled"):
            print("migration %s: %s" % (status, r.get("error-desc", "")), flush=True)
            return 1
        time.sleep(1)
    print("migration timeout after %ss" % secs, flush=True)
    return 1


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    q = QMP(sys.argv[1])
    if sys.argv[2] == "--wait-migration":
        return wait_migration(q, float(sys.argv[3]))
    rc = 0
    for arg in sys.argv[2:]:
        msg = q.cmd(json.loads(arg))
        if "error" in msg:
            print(json.dumps(msg["error"]), flush=True)
            rc = 1
        else:
            print(json.dumps(msg["return"]), flush=True)
    return rc


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ConnectionError, ValueError) as e:
        print("qmp error:", e, flush=True)
        sys.exit(1)
