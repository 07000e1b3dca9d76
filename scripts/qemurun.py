#!/usr/bin/env python3
"""qemurun.py - one headless boot: serial log, timeout, how it ended.

run_qemu() starts QEMU (qemucmd.build_qemu_cmd()) in its own session with
the serial port streamed to a log file and a QMP socket, waits for it
under a timeout and returns a RunResult whose classification is one of
qemuexit.CLASSES:

* the kernel's isa-debug-exit verdict (pass, fail, panic, poweroff), a
  triple fault (QEMU status 0 with SHUTDOWN reason guest-reset), or a
  qemu-error (QEMU's own failure, or a VM stopped for good for 1 s, as
  after "KVM internal error", then killed);
* hang: still running at the timeout; the whole process group is killed;
  the log keeps what the guest printed up to then;
* ignored-key / monitor: a runner's boot exists to run what one key of its
  command line asks (ktest=, bench=).  With watch_key, the log is read as
  it grows up to the line that shows that work started; a kernel that
  reported the key ignored, or printed the monitor prompt first, is
  killed at once and RunResult.reason quotes the line (check_started()).

run_stdout() is the same without a log file (serial on stdout).
kill_all() stops every boot still running (Ctrl-C in a runner that boots
in threads) and refuses new ones; started_pids() lists the QEMUs started
here (hostload.py leaves them out of "other QEMUs").  Guarantees: a
RunResult is returned for every boot that was started, QEMU is never
left running past its timeout, and the log file exists even if QEMU
failed to start.  Python 3.11 standard library only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

from qemucmd import build_qemu_cmd
from qemuexit import classify
from qemuproc import QmpWatcher, kill_group

# kernel/monitor.c prints this prompt and then waits for the serial port.
MONITOR_PROMPT = "kernel> "
# A line printed once what the key asks has started: the KTAP header of
# ktest=, a BENCH line or the "bench: NAME (...)" line of bench=.
_STARTED_RE = re.compile(r"KTAP version \d|BENCH[ -]|\] bench: ")


@dataclass
class RunResult:
    classification: str          # one of qemuexit.CLASSES
    exit_code: int | None        # QEMU's status (None: killed at timeout)
    duration: float
    stderr: str = ""
    shutdown_reason: str | None = None
    cmd: list[str] = field(default_factory=list)
    reason: str = ""             # why a boot was stopped early


def check_started(text: str, key: str) -> tuple[str, str] | None:
    """Did the kernel refuse the work its command line gave it?

    text is the serial log so far; key the command-line key that gives the
    boot its work ("ktest", "bench").  Only the part of the log before that
    work started is read: the boot suite feeds params_apply() bad ktest=
    values on purpose, later.  Return ("ignored-key", why) when
    kernel/params.c reported the key ignored (a "cmdline: ... 'KEY=...'
    ...; ignored" or "... for 'KEY' ...; ignored" line), ("monitor", why)
    when the monitor prompt came first, None otherwise.
    """
    m = _STARTED_RE.search(text)
    head = text[:m.start()] if m else text
    k = re.escape(key)
    ign = re.search(rf"^.*cmdline: .*'{k}(?:=[^']*)?'.*ignored.*$", head,
                    re.M)
    if ign:
        return ("ignored-key",
                f"the kernel ignored its {key}= key, so it ran nothing and "
                f"sat at the monitor: {ign.group(0).strip()}")
    if MONITOR_PROMPT in head:
        return ("monitor",
                f"the kernel reached the monitor prompt ({MONITOR_PROMPT!r})"
                f" without running what {key}= asked")
    return None


# Headless QEMUs running now, so that kill_all() can stop them (Ctrl-C in a
# runner that boots several in threads), and every pid started here.
_live: set = set()
_started: set[int] = set()
_live_lock = threading.Lock()
_aborted = False


def kill_all() -> None:
    """Kill every headless QEMU started by run_qemu(); start no more."""
    global _aborted
    with _live_lock:
        _aborted = True
        procs = list(_live)
    for p in procs:
        kill_group(p)


def aborted() -> bool:
    return _aborted


def started_pids() -> set[int]:
    """The pids of every QEMU run_qemu() started in this process."""
    with _live_lock:
        return set(_started)


def _watch_log(path: str, seen: bytes, key: str):
    """One look at the growing log: return (bytes read so far, what
    check_started() said, whether to keep watching).  The watch ends when
    the work has started; the part of a log before it is a few KiB."""
    try:
        with open(path, "rb") as f:
            f.seek(len(seen))
            seen += f.read(1 << 16)
    except OSError:
        return seen, None, True
    text = seen.decode(errors="replace")
    refused = check_started(text, key)
    return seen, refused, refused is None and not _STARTED_RE.search(text)


def _start(cmd: list[str], errf) -> subprocess.Popen:
    """Popen QEMU in its own session, registered for kill_all()."""
    with _live_lock:
        if _aborted:
            raise OSError("aborted (kill_all)")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=errf,
                             start_new_session=True)
        _live.add(p)
        _started.add(p.pid)
    return p


def _wait(p: subprocess.Popen, watcher: QmpWatcher, log_path: str,
          deadline: float, watch_key: str | None):
    """Wait for QEMU; return (timed_out, stopped, refused)."""
    refused = None              # (classification, why) from check_started()
    watching = watch_key is not None
    seen = b""
    while True:
        try:
            p.wait(timeout=0.1)
            return False, False, None
        except subprocess.TimeoutExpired:
            pass
        if watching:
            seen, refused, watching = _watch_log(log_path, seen, watch_key)
            if refused:
                kill_group(p)
                return False, False, refused
        if watcher.stopped_at and time.monotonic() - watcher.stopped_at > 1:
            # The VM stopped for good (e.g. "KVM internal error"):
            # nothing will run again, no need to wait for the timeout.
            kill_group(p)
            return False, True, None
        if time.monotonic() >= deadline:
            kill_group(p)
            return True, False, None


def run_qemu(cmd_kwargs: dict, log_path: str, timeout: float,
             trace_log: str | None = None,
             watch_key: str | None = None) -> RunResult:
    """Run QEMU headless, serial port streamed to log_path, under timeout.

    cmd_kwargs are build_qemu_cmd()'s arguments (without serial_log).
    QEMU runs in its own session; at the timeout the whole group is killed.
    watch_key: the key that gives the boot its work (check_started()); the
    boot is killed as soon as the log shows the kernel ignored it or sat
    at the monitor, and RunResult.reason says so.
    """
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    tmpdir = tempfile.mkdtemp(prefix="qemu-py-")
    qmp = os.path.join(tmpdir, "qmp.sock")
    cmd = build_qemu_cmd(**cmd_kwargs, serial_log=log_path, qmp_socket=qmp,
                         trace_log=trace_log, interactive=False)
    # Create/truncate the log now, so it exists even if QEMU fails early.
    open(log_path, "w").close()
    errf = tempfile.TemporaryFile(dir=tmpdir)
    start = time.monotonic()
    try:
        p = _start(cmd, errf)
    except OSError as e:
        errf.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
        return RunResult("qemu-error", None, 0.0, str(e), None, cmd)
    watcher = QmpWatcher(qmp)
    watcher.start()
    try:
        timed_out, stopped, refused = _wait(p, watcher, log_path,
                                            start + timeout, watch_key)
    except BaseException:
        kill_group(p)
        raise
    finally:
        with _live_lock:
            _live.discard(p)
        watcher.stop = True
        watcher.join(timeout=1)
        errf.seek(0)
        err_s = errf.read().decode(errors="replace")
        errf.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
    duration = time.monotonic() - start
    if refused:
        return RunResult(refused[0], None, duration, err_s, watcher.reason,
                         cmd, refused[1])
    if stopped:
        err_s += "qemu.py: the VM stopped (QMP STOP event) and did not resume\n"
        return RunResult("qemu-error", None, duration, err_s,
                         watcher.reason, cmd)
    code = None if timed_out else p.returncode
    cls = classify(code, timed_out, err_s, watcher.reason)
    return RunResult(cls, code, duration, err_s, watcher.reason, cmd)


def run_stdout(cmd_kwargs: dict, timeout: float | None,
               trace_log: str | None = None) -> RunResult:
    """Headless with the serial port on stdout (no monitor, no QMP):
    classified from QEMU's status alone."""
    cmd = build_qemu_cmd(**cmd_kwargs, trace_log=trace_log)
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    timed_out = False
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(p)
        _, err = p.communicate()
    except BaseException:
        kill_group(p)
        raise
    err_s = (err or b"").decode(errors="replace")
    code = None if timed_out else p.returncode
    return RunResult(classify(code, timed_out, err_s), code,
                     time.monotonic() - start, err_s, None, cmd)
