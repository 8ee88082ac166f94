#!/usr/bin/python3
"""HTTP/1.0 transfer endpoints for the nested-guest cases (run in the test VM).

The nested guest has busybox only: its wget and httpd move data in 64 KiB reads
and sendfile(), where nc moves 1 KiB per system call, which costs minutes under
nested TCG. So the test VM serves a file to the guest's wget, and fetches the
guest's file from its httpd.

  xfer.py serve ADDR PORT FILE [TIMEOUT [RATE]]
                                          answer one GET with FILE, then exit; at
                                          most RATE bytes/s if given
  xfer.py fetch URL SIZE [TIMEOUT]        GET URL, expect SIZE bytes, print sha256
  xfer.py poke ADDR PORT [TIMEOUT]        connect and close (a "go on" signal)

Output lines: "listening", "connected ADDR", "progress BYTES" every 5 s, then
  "served bytes=N secs=T"  or  "fetched bytes=N sha256=H secs=T"
TIMEOUT (seconds, default 900) bounds the whole run; exit status 1 on timeout,
a connection error, or a short transfer.
"""
import hashlib
import socket
import sys
import time

deadline = 0.0


def remaining():
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timeout")
    return left


def progress(done, state):
    if time.monotonic() - state[0] >= 5:
        state[0] = time.monotonic()
        print("progress", done, flush=True)


def serve(addr, port, path, rate=0):
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
    req = b""
    while b"\r\n\r\n" not in req:
        conn.settimeout(remaining())
        buf = conn.recv(4096)
        if not buf:
            raise ConnectionError("client closed before sending its request")
        req += buf
    with open(path, "rb") as f:
        data = f.read()
    conn.settimeout(remaining())
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(data))
    done, state, view = 0, [start], memoryview(data)
    # a rate-limited send goes in pieces of at most a quarter second's worth
    chunk = max(256, min(65536, int(rate / 4))) if rate else 262144
    while done < len(data):
        conn.settimeout(remaining())
        done += conn.send(view[done:done + chunk])
        progress(done, state)
        if rate:
            ahead = start + done / rate - time.monotonic()
            if ahead > 0:
                time.sleep(min(ahead, remaining()))
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(remaining())
    while conn.recv(4096):
        pass
    conn.close()
    print("served bytes=%d secs=%.1f" % (done, time.monotonic() - start), flush=True)


def fetch(url, size):
    assert url.startswith("http://")
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    while True:
        try:
            conn = socket.create_connection((host, int(port or 80)), timeout=min(30, remaining()))
            break
        except ConnectionRefusedError:
            time.sleep(0.5)
    print("connected", host, flush=True)
    start = time.monotonic()
    conn.sendall(b"GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path.encode(), hostport.encode()))
    head = b""
    while b"\r\n\r\n" not in head:
        conn.settimeout(remaining())
        buf = conn.recv(4096)
        if not buf:
            raise ConnectionError("server closed during the response header")
        head += buf
    head, _, body = head.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status + b" ":
        raise ConnectionError("server answered %r" % status.decode(errors="replace"))
    h = hashlib.sha256(body)
    done, state = len(body), [start]
    while True:
        conn.settimeout(remaining())
        buf = conn.recv(262144)
        if not buf:
            break
        h.update(buf)
        done += len(buf)
        progress(done, state)
    conn.close()
    print("fetched bytes=%d sha256=%s secs=%.1f"
          % (done, h.hexdigest(), time.monotonic() - start), flush=True)
    if done != size:
        sys.exit(1)


def poke(addr, port):
    while True:
        try:
            socket.create_connection((addr, port), timeout=min(10, remaining())).close()
            return
        except ConnectionRefusedError:
            time.sleep(0.5)


def main():
    global deadline
    args = sys.argv[1:]
    n = {"serve": 4, "fetch": 3, "poke": 3}.get(args[0] if args else "")
    extra = 1 if args and args[0] == "serve" else 0
    if n is None or not n <= len(args) <= n + 1 + extra:
        sys.exit(__doc__)
    deadline = time.monotonic() + (float(args[n]) if len(args) > n else 900)
    if args[0] == "serve":
        serve(args[1], int(args[2]), args[3], float(args[5]) if len(args) > 5 else 0)
    elif args[0] == "fetch":
        fetch(args[1], int(args[2]))
    else:
        poke(args[1], int(args[2]))


if __name__ == "__main__":
    try:
        main()
    except (TimeoutError, socket.timeout):
        print("timeout", flush=True)
        sys.exit(1)
    except (OSError, ConnectionError) as e:
        print("error", e, flush=True)
        sys.exit(1)
