"""Fault 6 of issue 6: memory at the edge. A 200 MB chunked body used to be read whole before
its 413 (the gateway's memory went from 100 to 282 MB). Now the gateway stops reading once the
stream passes ``MAILLAGE_MAX_BODY_BYTES`` and answers 413 at once.

The client is a raw socket, so that it sees the 413 while still sending, and counts what it
managed to send: the limit, one chunk, and what the kernel's socket buffers took.
"""

from __future__ import annotations

import select
import socket
import time
from contextlib import suppress
from pathlib import Path

import pytest

from tests.e2e.conftest import running

MB = 1024 * 1024
STREAMED = 200 * MB
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running("baronnies", tmp_path_factory) as platform:
        yield platform


def memory_kb(pid: int, field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (the peak) of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def stream_body(port: int, total: int) -> tuple[int, bytes]:
    """POST ``total`` bytes of chunked body to /api/places, stopping as soon as the gateway
    answers or closes; returns how many body bytes were sent and the response's head."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        b"POST /api/places HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    frame = f"{CHUNK:x}\r\n".encode() + b" " * CHUNK + b"\r\n"
    sent, answer = 0, b""
    try:
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(frame)
            sent += CHUNK
        else:
            sock.sendall(b"0\r\n\r\n")  # the whole body went: end it, and wait for the answer
        answer = sock.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        with suppress(OSError):
            answer = sock.recv(4096)
    finally:
        sock.close()
    return sent, answer


def test_a_200_mb_chunked_body_is_refused_without_being_read(platform):
    pid = platform.processes["gateway"].pid
    before = memory_kb(pid, "VmRSS")
    started = time.monotonic()
    sent, answer = stream_body(platform.ports.gateway, STREAMED)
    took = time.monotonic() - started
    peak = memory_kb(pid, "VmHWM")
    print(
        f"\n413 after {sent / MB:.1f} MB sent of {STREAMED / MB:.0f} MB in {took:.2f} s; "
        f"gateway memory {before / 1024:.0f} MB before, peak {peak / 1024:.0f} MB"
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # What was sent is the limit (64 KB by default), a chunk and the socket buffers.
    assert sent < 16 * MB
    assert peak - before < 20 * 1024, (before, peak)
