#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Measures the meteorstats tracer's HTTP server in a gst-launch-1.0
process on loopback: its resident memory (VmRSS) and open file descriptors
before and after a bounded load. Not a meson test: the numbers in
docs/meteorstats.md come from it.

usage: http-soak.py MODE [N] [TRACER_PARAMS]
  keepalive N  N requests, each on a new connection without
               "Connection: close", the answer read by its Content-Length,
               then the client closes (as curl and Prometheus do)
  close N      N requests with "Connection: close"
  body MIB     GET /healthz declaring a 2 GB body, MIB MiB of it sent
  idle N       N connections that send nothing: when does the server close
               them (waits at most 30 s), and does /metrics answer meanwhile
TRACER_PARAMS are appended to meteorstats(...), e.g. ",idle-timeout=2".
GST_PLUGIN_PATH must find the meteorstats plugin."""
import os
import select
import socket
import subprocess
import sys
import tempfile
import time


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def request(port, keepalive, path="/healthz"):
    """One request on a new connection; returns the status (0: none)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    close = "" if keepalive else "Connection: close\r\n"
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{close}\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        d = s.recv(65536)
        if not d:
            break
        body += d
    s.close()
    return int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0


def send_body(port, mib):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
              b"Content-Length: 2000000000\r\n\r\n")
    chunk, sent = b"x" * 65536, 0
    try:
        while sent < mib << 20:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError as e:
        print("sending stopped:", e)
    print(f"sent {sent >> 20} MiB of the body")
    try:
        answer = s.recv(100).split(b"\r\n")[0].decode()
    except OSError as e:
        answer = f"none ({e})"
    print("answer:", answer)
    s.close()


def idle(port, n):
    conns = []
    for _ in range(n):
        conns.append(socket.create_connection(("127.0.0.1", port), timeout=30))
    t0 = time.monotonic()  # all connected: times are from here
    closed_at = {}
    metrics_ok = metrics_tries = 0
    next_scrape = time.monotonic()
    while len(closed_at) < n and time.monotonic() - t0 < 30:
        if time.monotonic() >= next_scrape:
            metrics_tries += 1
            metrics_ok += request(port, False, "/metrics") == 200
            next_scrape += 1
        open_ = [c for c in conns if c not in closed_at]
        ready, _, _ = select.select(open_, [], [], 0.05)
        for c in ready:
            try:
                if c.recv(4096):
                    continue  # a 503: read on to the end
            except OSError:
                pass
            closed_at[c] = time.monotonic() - t0
    times = sorted(closed_at.values())
    prompt = sum(1 for t in times if t < 0.5)
    print(f"{n} idle connections: {prompt} closed within 0.5 s of the "
          f"last connect, "
          f"{len(times) - prompt} later"
          + (f" (the last at {times[-1]:.1f} s)" if times else "")
          + f", {n - len(times)} still open after 30 s; "
          f"/metrics answered {metrics_ok} of {metrics_tries} times meanwhile")
    for c in conns:
        c.close()


def main():
    mode = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    params = sys.argv[3] if len(sys.argv) > 3 else ""
    work = tempfile.mkdtemp()
    port_file = os.path.join(work, "port")
    env = dict(os.environ,
               GST_TRACERS=f"meteorstats(port=0,port-file={port_file}{params})")
    p = subprocess.Popen(
        ["gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "!",
         "video/x-raw,width=64,height=48,framerate=5/1", "!", "fakesink"],
        env=env, stdout=subprocess.DEVNULL)
    try:
        t0 = time.monotonic()
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.monotonic() - t0 > 30 or p.poll() is not None:
                sys.exit("http-soak: the tracer does not serve")
            time.sleep(0.05)
        port = int(open(port_file).read())
        for _ in range(200):  # warm up
            request(port, False)
        rss0, fds0 = status_kb(p.pid, "VmRSS"), fds(p.pid)
        t0 = time.monotonic()
        if mode in ("keepalive", "close"):
            bad = sum(request(port, mode == "keepalive") != 200
                      for _ in range(n))
            print(f"{n} requests ({mode}) in {time.monotonic() - t0:.1f} s, "
                  f"{bad} not answered 200")
        elif mode == "body":
            send_body(port, n)
        elif mode == "idle":
            idle(port, n)
        else:
            sys.exit(__doc__)
        time.sleep(1)  # let the server close what it closes
        rss1, fds1 = status_kb(p.pid, "VmRSS"), fds(p.pid)
        print(f"server RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB "
              f"({rss1 - rss0:+d} KiB), open file descriptors {fds0} -> "
              f"{fds1}")
    finally:
        p.terminate()
        p.wait()
        for name in os.listdir(work):
            os.unlink(os.path.join(work, name))
        os.rmdir(work)


main()
