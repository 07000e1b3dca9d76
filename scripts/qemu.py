#!/usr/bin/env python3
"""qemu.py - the one QEMU launcher (make run/debug, the test and bench runners).

Builds the qemu-system-x86_64 command line for a boot path (direct: qboot +
-kernel, grub: -cdrom ISO) and an accelerator (kvm, tcg, or auto: KVM only
where a probe shows it works), then either hands the terminal to QEMU
(--interactive) or runs it headless with the serial port streamed to a log
file, under a timeout, and classifies how the guest ended.

The kernel ends a run through isa-debug-exit (iobase 0xf4); QEMU then exits
with (value << 1) | 1.  The values are kernel/panic.h's EXIT_* defines,
read from that file (the one place they are written):
    EXIT_PASS 0x10 -> 33     EXIT_FAIL 0x11 -> 35
    EXIT_PANIC 0x12 -> 37    EXIT_POWEROFF 0x00 -> 1
QEMU exits 0 on a guest reset under -no-reboot (a triple fault), so 0 is
never success here.  A QMP socket tells a triple fault (SHUTDOWN event,
reason guest-reset) apart from an ACPI poweroff or a quit from the monitor.

A runner's boot exists to run what one command-line key asks (ktest= or
bench=).  run_qemu(watch_key=KEY) reads the log as it grows, and a boot
whose kernel reported that key ignored ("value too long", "bad value",
...) or printed the monitor prompt before starting what the key asked is
killed at once: "ignored-key" or "monitor", with the line that says why
(check_started()), instead of waiting for the timeout.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
QBOOT = "/usr/share/qemu/qboot.rom"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KVM_PROBE_CACHE = os.path.join(ROOT, "build", ".kvm-probe")

PANIC_H = os.path.join(ROOT, "kernel", "panic.h")


def read_exit_values(path: str = PANIC_H) -> dict[str, int]:
    """The isa-debug-exit values the kernel writes: {'PASS': 0x10, ...},
    from the `#define EXIT_<NAME> <number>` lines of kernel/panic.h."""
    with open(path) as f:
        text = f.read()
    values = {m.group(1): int(m.group(2), 0) for m in re.finditer(
        r"^#define\s+EXIT_([A-Z]+)\s+(0[xX][0-9a-fA-F]+|\d+)\b", text,
        re.M)}
    missing = {"PASS", "FAIL", "PANIC", "POWEROFF"} - values.keys()
    if missing:
        raise ValueError(f"{path}: no #define EXIT_{min(missing)}")
    return values


def qemu_status(value: int) -> int:
    """QEMU's exit status when the guest writes value to isa-debug-exit."""
    return (value << 1) | 1


EXIT_VALUES = read_exit_values()
EXIT_PASS = qemu_status(EXIT_VALUES["PASS"])          # 33
EXIT_FAIL = qemu_status(EXIT_VALUES["FAIL"])          # 35
EXIT_PANIC = qemu_status(EXIT_VALUES["PANIC"])        # 37
EXIT_POWEROFF = qemu_status(EXIT_VALUES["POWEROFF"])  # 1 (also QEMU's error)
EXIT_RESET = 0                   # guest reset under -no-reboot

CLASSES = ("pass", "fail", "panic", "hang", "triple-fault", "poweroff",
           "qemu-error", "ignored-key", "monitor")

# Exit status of `qemu.py` (headless mode) per classification.
CLI_STATUS = {"pass": 0, "fail": 1, "panic": 2, "triple-fault": 3,
              "poweroff": 4, "qemu-error": 5, "ignored-key": 6, "monitor": 7,
              "hang": 124}

# kernel/monitor.c prints this prompt and then waits for the serial port.
MONITOR_PROMPT = "kernel> "
# A line printed once what the key asks has started: the KTAP header of
# ktest=, a BENCH line or the "bench: NAME (...)" line of bench=.
_STARTED_RE = re.compile(r"KTAP version \d|BENCH[ -]|\] bench: ")


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
# runner that boots several in threads).
_live: set = set()
_live_lock = threading.Lock()
_aborted = False


def kill_all() -> None:
    """Kill every headless QEMU started by run_qemu(); start no more."""
    global _aborted
    with _live_lock:
        _aborted = True
        procs = list(_live)
    for p in procs:
        _kill_group(p)


def aborted() -> bool:
    return _aborted


def log(msg: str) -> None:
    print(f"qemu.py: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Accelerator choice
# --------------------------------------------------------------------------

def _accel_args(accel: str) -> list[str]:
    if accel == "kvm":
        # Plain -cpu host aborts here ("failed to set MSR 0x10a") under
        # nested KVM; dropping arch-capabilities avoids that MSR.
        return ["-accel", "kvm", "-cpu", "host,-arch-capabilities"]
    if accel == "tcg":
        return ["-accel", "tcg,thread=multi", "-cpu", "max"]
    raise ValueError(f"unknown accel {accel!r} (kvm|tcg|auto)")


def _probe_key() -> str:
    u = platform.uname()
    return f"{u.system} {u.release} {u.version} {u.machine}"


def _probe_kvm() -> bool:
    """Start a halted KVM guest; alive after ~1.5 s means KVM works."""
    cmd = [QEMU, *_accel_args("kvm"), "-M", "pc", "-display", "none",
           "-no-reboot", "-bios", QBOOT, "-nodefaults", "-S",
           "-monitor", "none", "-serial", "none"]
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             start_new_session=True)
    except OSError:
        return False
    try:
        p.wait(timeout=1.5)
        return False            # exited on its own: KVM refused
    except subprocess.TimeoutExpired:
        return True
    finally:
        if p.poll() is None:
            _kill_group(p)


def resolve_accel(accel: str = "auto", quiet: bool = False) -> str:
    """Return 'kvm' or 'tcg' for accel 'auto'|'kvm'|'tcg'.

    'auto' picks KVM only where /dev/kvm is usable and a probe boot works;
    the probe's answer is cached in build/.kvm-probe, keyed by the host
    kernel, so it runs once.  The choice is printed on stderr.
    """
    accel = (accel or "auto").lower()
    if accel in ("kvm", "tcg"):
        return accel
    if accel != "auto":
        raise ValueError(f"unknown accel {accel!r} (kvm|tcg|auto)")
    why = ""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        chosen, why = "tcg", "/dev/kvm not usable"
    else:
        key = _probe_key()
        cached = None
        try:
            with open(KVM_PROBE_CACHE) as f:
                data = json.load(f)
            if data.get("key") == key:
                cached = data.get("kvm")
        except (OSError, ValueError, AttributeError):
            pass
        if cached is None:
            cached = _probe_kvm()
            try:
                os.makedirs(os.path.dirname(KVM_PROBE_CACHE), exist_ok=True)
                with open(KVM_PROBE_CACHE, "w") as f:
                    json.dump({"key": key, "kvm": cached}, f)
                    f.write("\n")
            except OSError:
                pass
            why = "probe " + ("succeeded" if cached else "failed")
        else:
            why = "cached probe " + ("succeeded" if cached else "failed")
        chosen = "kvm" if cached else "tcg"
    if not quiet:
        log(f"accel auto -> {chosen} ({why})")
    return chosen


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def build_qemu_cmd(kernel: str | None = None, iso: str | None = None,
                   boot: str = "direct", cpus: int = 1, mem: str = "512M",
                   accel: str = "tcg", cmdline: str = "",
                   gdb: bool = False, interactive: bool = False,
                   serial_log: str | None = None,
                   qmp_socket: str | None = None,
                   trace_log: str | None = None,
                   extra: list[str] | None = None) -> list[str]:
    """Return the QEMU argv.

    accel may be 'auto' (resolved here).  The serial port goes to the
    terminal with the monitor muxed in (interactive: Ctrl-A X quits), to
    serial_log as a file (written by QEMU as it comes, so a hang still
    leaves the log), or to plain stdio.
    """
    accel = resolve_accel(accel)
    cmd = [QEMU, "-M", "pc", "-m", str(mem), "-smp", str(int(cpus)),
           "-no-reboot", "-display", "none"]
    if interactive:
        cmd += ["-serial", "mon:stdio"]
    elif serial_log:
        cmd += ["-chardev", f"file,id=ser0,path={serial_log}",
                "-serial", "chardev:ser0"]
    else:
        cmd += ["-serial", "stdio"]
    cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if not interactive:
        cmd += ["-monitor", "none"]
    cmd += _accel_args(accel)
    if boot == "direct":
        if not kernel:
            raise ValueError("--boot direct needs --kernel")
        cmd += ["-bios", QBOOT, "-kernel", kernel]
        if cmdline:
            cmd += ["-append", cmdline]
    elif boot == "grub":
        if not iso:
            raise ValueError("--boot grub needs --iso")
        cmd += ["-cdrom", iso, "-boot", "d"]
    else:
        raise ValueError(f"unknown boot path {boot!r} (direct|grub)")
    if qmp_socket:
        cmd += ["-qmp", f"unix:{qmp_socket},server=on,wait=off"]
    if trace_log:
        cmd += ["-d", "int,cpu_reset,guest_errors", "-D", trace_log]
    if gdb:
        cmd += ["-s", "-S"]
    cmd += list(extra or [])
    return cmd


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------

def _kill_group(p: subprocess.Popen) -> None:
    """Kill QEMU and anything it started (it runs in its own session)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            p.kill()
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


class _QmpWatcher(threading.Thread):
    """Connects to QEMU's QMP socket and remembers the SHUTDOWN reason."""

    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path = path
        self.reason: str | None = None
        self.stopped_at: float | None = None   # last STOP without RESUME
        self.stop = False

    def run(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    s.connect(self.path)
                    break
                except OSError:
                    if self.stop or time.monotonic() > deadline:
                        return
                    time.sleep(0.02)
            s.sendall(b'{"execute": "qmp_capabilities"}\n')
            buf = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    ev = msg.get("event")
                    if ev == "STOP":
                        self.stopped_at = time.monotonic()
                    elif ev == "RESUME":
                        self.stopped_at = None
                    elif ev == "SHUTDOWN":
                        self.reason = msg.get("data", {}).get("reason",
                                                              "unknown")
        except OSError:
            return
        finally:
            s.close()


@dataclass
class RunResult:
    classification: str          # one of CLASSES
    exit_code: int | None        # QEMU's status (None: killed at timeout)
    duration: float
    stderr: str = ""
    shutdown_reason: str | None = None
    cmd: list[str] = field(default_factory=list)
    reason: str = ""             # why a boot was stopped early


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


def classify(code: int | None, timed_out: bool, stderr: str = "",
             shutdown_reason: str | None = None) -> str:
    if timed_out:
        return "hang"
    if code == EXIT_PASS:
        return "pass"
    if code == EXIT_FAIL:
        return "fail"
    if code == EXIT_PANIC:
        return "panic"
    if code == EXIT_RESET:
        if shutdown_reason and shutdown_reason != "guest-reset":
            # ACPI poweroff (guest-shutdown) or a host-side quit.
            return "poweroff"
        return "triple-fault"
    if code == EXIT_POWEROFF and not stderr.strip():
        # isa-debug-exit 0x00; QEMU's own errors print a message.
        return "poweroff"
    return "qemu-error"


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
    timed_out = stopped = False
    try:
        with _live_lock:
            if _aborted:
                raise OSError("aborted (kill_all)")
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=errf,
                                 start_new_session=True)
            _live.add(p)
    except OSError as e:
        errf.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
        return RunResult("qemu-error", None, 0.0, str(e), None, cmd)
    watcher = _QmpWatcher(qmp)
    watcher.start()
    refused = None              # (classification, why) from check_started()
    watching = watch_key is not None
    seen = b""
    try:
        deadline = start + timeout
        while True:
            try:
                p.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            if watching:
                seen, refused, watching = _watch_log(log_path, seen,
                                                     watch_key)
                if refused:
                    _kill_group(p)
                    break
            if watcher.stopped_at and time.monotonic() - watcher.stopped_at > 1:
                # The VM stopped for good (e.g. "KVM internal error"):
                # nothing will run again, no need to wait for the timeout.
                stopped = True
                _kill_group(p)
                break
            if time.monotonic() >= deadline:
                timed_out = True
                _kill_group(p)
                break
    except BaseException:
        _kill_group(p)
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


def run_interactive(cmd: list[str]) -> int:
    """Hand the terminal to QEMU; map its status for make run."""
    log("serial on this terminal; Ctrl-A X quits, Ctrl-A C toggles the "
        "QEMU monitor")
    tmpdir = tempfile.mkdtemp(prefix="qemu-py-")
    qmp = os.path.join(tmpdir, "qmp.sock")
    cmd = cmd + ["-qmp", f"unix:{qmp},server=on,wait=off"]
    watcher = _QmpWatcher(qmp)
    # QEMU gets SIGINT from the terminal itself only in raw mode it sets up;
    # ignore it here so that a stray ^C does not orphan QEMU.
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        p = subprocess.Popen(cmd)
        watcher.start()
        code = p.wait()
    finally:
        signal.signal(signal.SIGINT, old)
        watcher.stop = True
        watcher.join(timeout=1)
        shutil.rmtree(tmpdir, ignore_errors=True)
    if code in (EXIT_PASS, EXIT_POWEROFF):
        return 0
    if code == EXIT_FAIL:
        log(f"kernel verdict: FAIL (exit {code})")
    elif code == EXIT_PANIC:
        log(f"kernel verdict: PANIC (exit {code})")
    elif code == EXIT_RESET:
        reason = watcher.reason
        if reason == "guest-reset" or reason is None:
            bar = "!" * 72
            sys.stderr.write(
                f"\n{bar}\n!!! QEMU exited 0: the guest RESET (triple fault "
                f"under -no-reboot){'' if reason else ', or QEMU was quit'}"
                f".\n!!! Re-run headless with --trace-log FILE (TCG) to log "
                f"the exception chain.\n{bar}\n")
            return 3 if reason else 0
        return 0                # ACPI poweroff or quit from the monitor
    return code


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Boot the kernel in QEMU (direct/qboot or GRUB ISO).")
    ap.add_argument("--kernel", help="kernel.elf (direct boot)")
    ap.add_argument("--iso", help="GRUB rescue ISO (grub boot)")
    ap.add_argument("--boot", choices=("direct", "grub"), default="direct")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto")
    ap.add_argument("--cmdline", default="",
                    help="kernel command line (direct boot only)")
    ap.add_argument("--gdb", action="store_true",
                    help="gdb stub on :1234, CPU halted at reset (-s -S)")
    ap.add_argument("--interactive", action="store_true",
                    help="serial (and muxed monitor) on this terminal")
    ap.add_argument("--timeout", type=float, default=None,
                    help="headless: kill QEMU after SEC seconds (hang)")
    ap.add_argument("--log", help="headless: serial output to FILE")
    ap.add_argument("--trace-log", metavar="FILE",
                    help="headless: QEMU -d int,cpu_reset,guest_errors "
                         "-D FILE (triple-fault forensics, TCG)")
    ap.add_argument("--watch-key", metavar="KEY",
                    help="headless with --log: stop at once when the kernel "
                         "ignores KEY= (ktest, bench) or reaches the monitor "
                         "prompt before running what it asks")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    metavar="ARG", help="extra QEMU argument (repeatable)")
    ap.add_argument("--print-cmd", action="store_true",
                    help="print the QEMU command line and exit")
    a = ap.parse_args(argv)

    if a.boot == "grub" and a.cmdline:
        log("warning: --cmdline is ignored with --boot grub "
            "(the command line is baked into the ISO's grub.cfg)")
    cmdline = a.cmdline if a.boot == "direct" else ""
    for path, what in ((a.kernel if a.boot == "direct" else a.iso,
                        "--kernel" if a.boot == "direct" else "--iso"),):
        if not path:
            ap.error(f"--boot {a.boot} needs {what}")
        if not a.print_cmd and not os.path.exists(path):
            log(f"error: {path} does not exist (build it first)")
            return CLI_STATUS["qemu-error"]

    accel = resolve_accel(a.accel)
    kwargs = dict(kernel=a.kernel, iso=a.iso, boot=a.boot, cpus=a.cpus,
                  mem=a.mem, accel=accel, cmdline=cmdline, gdb=a.gdb,
                  extra=a.qemu_arg)
    if a.gdb:
        log("gdb stub on localhost:1234, CPUs halted; "
            "attach with `target remote :1234`")

    if a.print_cmd:
        import shlex
        cmd = build_qemu_cmd(**kwargs, interactive=a.interactive,
                             serial_log=None if a.interactive else a.log,
                             trace_log=a.trace_log)
        print(shlex.join(cmd))
        return 0

    if a.interactive:
        if a.log or a.timeout:
            log("warning: --log/--timeout are ignored with --interactive")
        return run_interactive(build_qemu_cmd(**kwargs, interactive=True))

    if a.log:
        res = run_qemu(kwargs, a.log, a.timeout or 1e9, a.trace_log,
                       a.watch_key)
    else:
        # Headless, serial on stdout (no monitor): still classify.
        cmd = build_qemu_cmd(**kwargs, trace_log=a.trace_log)
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
        timed_out = False
        try:
            _, err = p.communicate(timeout=a.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(p)
            _, err = p.communicate()
        except BaseException:
            _kill_group(p)
            raise
        err_s = (err or b"").decode(errors="replace")
        code = None if timed_out else p.returncode
        res = RunResult(classify(code, timed_out, err_s), code,
                        time.monotonic() - start, err_s, None, cmd)
    if res.stderr.strip():
        sys.stderr.write(res.stderr if res.stderr.endswith("\n")
                         else res.stderr + "\n")
    code_s = "stopped early" if res.reason else "killed at timeout" \
        if res.exit_code is None else f"exit {res.exit_code}"
    if res.reason:
        print(f"qemu.py: {res.reason}", file=sys.stderr)
    print(f"result: {res.classification} ({code_s}, {res.duration:.1f}s)",
          file=sys.stderr)
    return CLI_STATUS[res.classification]


if __name__ == "__main__":
    sys.exit(main())
