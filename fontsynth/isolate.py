"""Run fragile per-item work (parsing untrusted font files) in a child process.

The child reads one JSON task per line from a file and prints one JSON result per line. The
parent waits for each line with a deadline: if the child crashes (segfault in FreeType) or
hangs, only the item it was on fails, with the reason, and a fresh child takes the rest.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any


class ChildError(RuntimeError):
    """The child's own code raised: a bug to fix, not a bad item to reject."""


def serve(handle: Callable[[dict], dict], tasks_file: str) -> None:
    """Child side: answer each task of `tasks_file` on its own stdout line, flushed. A Python
    exception is answered as {"internal_error": traceback} (the parent raises ChildError)."""
    with open(tasks_file, encoding="utf-8") as f:
        for line in f:
            try:
                answer = handle(json.loads(line))
            except Exception:
                answer = {"internal_error": traceback.format_exc()}
            print(json.dumps(answer), flush=True)


DEFAULT_MEMORY_MB = 2048  # address space of one checker child (it needs ~400 MB)


def run_isolated(command: list[str], items: list[dict], timeout: float, memory_mb: int | None = DEFAULT_MEMORY_MB) -> list[dict]:
    """Results of `command` (a child speaking `serve`'s protocol) for each item, in order.

    The child's address space is capped at `memory_mb` (None: no cap), so a file that makes
    the parser allocate without bound fails alone (MemoryError, or the child dies). An item
    whose child died (a crash in native code, the memory cap) or passed `timeout` seconds gets
    `{"error": reason}` and a fresh child takes the rest; a Python exception escaping the
    child's handler raises ChildError.
    """
    results: list[dict] = []
    while len(results) < len(items):
        pending = items[len(results):]
        results.extend(_run_child(command, pending, timeout, memory_mb))
    return results


@contextmanager
def memory_cap(extra_mb: int):
    """Cap this process's address space, for the block, at what it maps now plus `extra_mb`,
    so that work which would allocate without bound raises MemoryError instead (Linux; elsewhere
    no cap). For fragile work too cheap for a child process of its own: fontTools decompiling a
    malformed layout table (fonts-deva-extra's chandas1-2.ttf: 14.6 GB over 328 s to subset)."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (within(mapped + (extra_mb << 20), soft, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def within(limit: int, soft: int, hard: int) -> int:
    """`limit`, but never above an address-space cap already set (a user's `ulimit -v`): raising
    the soft cap past the hard one is refused by the kernel."""
    import resource

    return min([limit] + [cap for cap in (soft, hard) if cap != resource.RLIM_INFINITY])


def _memory_cap(memory_mb: int | None):
    if memory_mb is None:
        return None

    def cap() -> None:  # runs in the child before exec
        import resource

        limit = within(memory_mb << 20, *resource.getrlimit(resource.RLIMIT_AS))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cap


def _run_child(command: list[str], items: list[dict], timeout: float, memory_mb: int | None) -> list[dict]:
    """Results for a prefix of `items`: all of them, or those before a failure plus the failure."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.writelines(json.dumps(item) + "\n" for item in items)
    proc = subprocess.Popen(
        [*command, f.name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=_memory_cap(memory_mb)
    )
    assert proc.stdout is not None
    out: list[dict] = []
    try:
        for line in _lines(proc, timeout):
            if line is None:  # the finally clause kills the child
                out.append({"error": f"timed out after {timeout:g} s"})
                return out
            answer = json.loads(line)
            if "internal_error" in answer:
                raise ChildError(f"checking {items[len(out)]} failed in the checker itself:\n{answer['internal_error']}")
            out.append(answer)
            if len(out) == len(items):
                return out
        code = proc.wait()
        out.append({"error": f"crashed the font parser (exit code {code}; memory cap {memory_mb} MB)"})
        return out
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        os.unlink(f.name)


def _lines(proc: subprocess.Popen, timeout: float) -> Iterable[Any]:
    """Lines of the child's stdout; None when no line came within `timeout`; stops at EOF."""
    fd = proc.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    buffer = b""
    try:
        while True:
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line
            if not sel.select(timeout):
                yield None
                return
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            buffer += chunk
    finally:
        sel.close()


def python_module_command(module: str) -> list[str]:
    return [sys.executable, "-m", module]
