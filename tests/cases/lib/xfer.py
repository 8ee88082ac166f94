#!/usr/bin/python3
"""One-shot TCP endpoints for the nested-guest cases (run in the test VM).

  xfer.py send ADDR PORT FILE [TIMEOUT]   serve FILE to the first client, then close
  xfer.py recv ADDR PORT SIZE [TIMEOUT]   read SIZE bytes from the first client

Prints "listening", "connected", periodic "progress BYTES" lines and a last line
  "sent bytes=N secs=T"  or  "received bytes=N sha256=H secs=T"
Exits 1 on timeout (TIMEOUT seconds in total, default 900) or on a short transfer.
"""
import hashlib
import socket
import sys
import time


def main():
    if len(sys.argv) not in (5, 6) or sys.argv[1] not in ("send", "recv"):
        sys.exit(__doc__)
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    deadline = time.monotonic() + (float(sys.argv[5]) if len(sys.argv) == 6 else 900)

    def remaining():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timeout")
        return left

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    print("listening", flush=True)
    srv.settimeout(remaining())
    conn, peer = srv.accept()
    srv.close()
    print("connected", peer[0], flush=True)
    start = time.monotonic()
    last_report = start
    done = 0
    if mode == "send":
        with open(sys.argv[4], "rb") as f:
            while True:
                buf = f.read(65536)
                if not buf:
                    break
                view = memoryview(buf)
                while view:
                    conn.settimeout(remaining())
                    n = conn.send(view)
                    view = view[n:]
                    done += n
                if time.monotonic() - last_report >= 5:
                    last_report = time.monotonic()
                    print("progress", done, flush=True)
        conn.shutdown(socket.SHUT_WR)
        # drain until the client closes its side
        conn.settimeout(remaining())
        while conn.recv(4096):
            pass
        print("sent bytes=%d secs=%.1f" % (done, time.monotonic() - start), flush=True)
    else:
        size = int(sys.argv[4])
        h = hashlib.sha256()
        while done < size:
            conn.settimeout(remaining())
            buf = conn.recv(min(65536, size - done))
            if not buf:
                break
            h.update(buf)
            done += len(buf)
            if time.monotonic() - last_report >= 5:
                last_report = time.monotonic()
                print("progress", done, flush=True)
        print("received bytes=%d sha256=%s secs=%.1f"
              % (done, h.hexdigest(), time.monotonic() - start), flush=True)
        if done != size:
            sys.exit(1)
    conn.close()


if __name__ == "__main__":
    try:
        main()
    except (TimeoutError, socket.timeout):
        print("timeout", flush=True)
        sys.exit(1)
