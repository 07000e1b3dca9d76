#!/usr/bin/env python3
"""qemuaccel.py - which accelerator a boot uses: KVM or TCG, and why.

`--accel tcg` is `-accel tcg,thread=multi -cpu max`; `--accel kvm` is
`-accel kvm -cpu host,-arch-capabilities` (plain `-cpu host` aborts under
nested KVM: "failed to set MSR 0x10a").  `--accel auto` picks:

1. TCG when /dev/kvm is not readable and writable;
2. TCG when /dev/kvm is PVM (detect_pvm()): the kvm_pvm module is loaded
   (/sys/module/kvm_pvm), or the CPU has neither the vmx nor the svm flag
   in /proc/cpuinfo, so whatever serves /dev/kvm is not hardware
   virtualization.  PVM is a software hypervisor: it runs the guest
   kernel at hardware CPL 3 and shadows its page tables.  Kernel-mode
   suites pass under it, user mode does not, and a stock Debian Linux 6.1
   kernel does not boot under it at all (QEMU stops its vCPU in early boot
   at a `lock cmpxchg16b` and dumps registers): the host, not this kernel;
3. otherwise KVM if a halted probe VM stays up for 1.5 s (the answer is
   cached in build/.kvm-probe, keyed by the host kernel), else TCG.

The choice and its reason go to stderr.  `--accel kvm` on a PVM host is
obeyed, with PVM_WARNING.  Guarantees: auto never picks KVM on a PVM
host; choose_accel() reads only the paths it is given (tests fake them)
and starts nothing unless it must probe.  Python 3.11 standard library.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess

import qemuproc
from qemuproc import ROOT, kill_group, log

DEV_KVM = "/dev/kvm"
CPUINFO = "/proc/cpuinfo"
SYS_MODULE = "/sys/module"
KVM_PROBE_CACHE = os.path.join(ROOT, "build", ".kvm-probe")

PVM_WARNING = (
    "warning: ACCEL=kvm on a PVM host ({evidence}): /dev/kvm here is "
    "kvm_pvm (PVM), a software hypervisor that runs the guest kernel at "
    "hardware CPL 3 and shadows its page tables. A stock Debian Linux 6.1 "
    "kernel does not boot under it either (QEMU stops its vCPU in early "
    "boot at a `lock cmpxchg16b` and dumps registers), so user mode "
    "failing under it is the host, not this kernel. Going on with KVM as "
    "asked; ACCEL=tcg (or auto) runs user programs and measures.")


def accel_args(accel: str) -> list[str]:
    """QEMU's arguments for 'kvm' or 'tcg'."""
    if accel == "kvm":
        # Plain -cpu host aborts here ("failed to set MSR 0x10a") under
        # nested KVM; dropping arch-capabilities avoids that MSR.
        return ["-accel", "kvm", "-cpu", "host,-arch-capabilities"]
    if accel == "tcg":
        return ["-accel", "tcg,thread=multi", "-cpu", "max"]
    raise ValueError(f"unknown accel {accel!r} (kvm|tcg|auto)")


def cpu_flags(cpuinfo: str = CPUINFO) -> set[str] | None:
    """The flags of the first CPU in cpuinfo; None if it cannot be read
    or has no `flags` line."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return set(value.split())
    except OSError:
        return None
    return None


def detect_pvm(cpuinfo: str = CPUINFO,
               sys_module: str = SYS_MODULE) -> str | None:
    """Why /dev/kvm here is PVM and not hardware KVM, or None.

    PVM when sys_module/kvm_pvm exists, or when cpuinfo's flags are known
    and hold neither vmx (Intel VT-x) nor svm (AMD-V).  An unreadable
    cpuinfo without kvm_pvm says nothing (None: let the probe decide).
    """
    if os.path.isdir(os.path.join(sys_module, "kvm_pvm")):
        return f"{sys_module}/kvm_pvm exists"
    flags = cpu_flags(cpuinfo)
    if flags is not None and not flags & {"vmx", "svm"}:
        return f"no vmx or svm flag in {cpuinfo}"
    return None


def _probe_key() -> str:
    u = platform.uname()
    return f"{u.system} {u.release} {u.version} {u.machine}"


def probe_kvm() -> bool:
    """Start a halted KVM guest; alive after ~1.5 s means KVM works."""
    cmd = [qemuproc.QEMU, *accel_args("kvm"), "-M", "pc", "-display",
           "none", "-no-reboot", "-bios", qemuproc.QBOOT, "-nodefaults",
           "-S", "-monitor", "none", "-serial", "none"]
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
            kill_group(p)


def cached_probe(cache: str = KVM_PROBE_CACHE) -> tuple[bool, str]:
    """(KVM works, how we know): the cached answer for this host kernel,
    or a probe whose answer is then cached."""
    key = _probe_key()
    try:
        with open(cache) as f:
            data = json.load(f)
        if data.get("key") == key and data.get("kvm") is not None:
            ok = bool(data["kvm"])
            return ok, "cached probe " + ("succeeded" if ok else "failed")
    except (OSError, ValueError, AttributeError):
        pass
    ok = probe_kvm()
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, "w") as f:
            json.dump({"key": key, "kvm": ok}, f)
            f.write("\n")
    except OSError:
        pass
    return ok, "probe " + ("succeeded" if ok else "failed")


def choose_accel(accel: str = "auto", dev_kvm: str = DEV_KVM,
                 cpuinfo: str = CPUINFO, sys_module: str = SYS_MODULE,
                 probe=cached_probe) -> tuple[str, str, str]:
    """Return (accel, why, warning) for accel 'auto'|'kvm'|'tcg'.

    accel is 'kvm' or 'tcg'; why says how auto chose ('' when the user
    chose); warning is PVM_WARNING (with the evidence) when KVM was asked
    for on a PVM host, else ''.  probe() -> (ok, how) runs only for auto
    on a host with a usable /dev/kvm and no sign of PVM.
    """
    accel = (accel or "auto").lower()
    if accel == "tcg":
        return "tcg", "", ""
    if accel == "kvm":
        pvm = detect_pvm(cpuinfo, sys_module)
        return "kvm", "", PVM_WARNING.format(evidence=pvm) if pvm else ""
    if accel != "auto":
        raise ValueError(f"unknown accel {accel!r} (kvm|tcg|auto)")
    if not os.access(dev_kvm, os.R_OK | os.W_OK):
        return "tcg", f"{dev_kvm} not usable", ""
    pvm = detect_pvm(cpuinfo, sys_module)
    if pvm:
        return "tcg", (f"{dev_kvm} is PVM, a software hypervisor under "
                       f"which user mode fails: {pvm}"), ""
    ok, how = probe()
    return ("kvm" if ok else "tcg"), how, ""


def resolve_accel(accel: str = "auto", quiet: bool = False) -> str:
    """Return 'kvm' or 'tcg' for accel 'auto'|'kvm'|'tcg' (choose_accel()
    on this host).  auto's choice and reason go to stderr unless quiet;
    the PVM warning always does."""
    chosen, why, warning = choose_accel(accel)
    if warning:
        log(warning)
    if why and not quiet:
        log(f"accel auto -> {chosen} ({why})")
    return chosen
