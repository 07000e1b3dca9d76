#!/usr/bin/env python3
"""qemucmd.py - the QEMU command line of every boot of this kernel.

build_qemu_cmd() returns the argv for a boot path and an accelerator:

    qemu-system-x86_64 -M pc -m MEM -smp N -no-reboot -display none
      (serial) [-serial chardev:trace0 (COM2: trace_port)]
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      (-monitor none unless interactive)  (accelerator, qemuaccel.py)
      direct: -bios qboot.rom -kernel ELF [-append CMDLINE]
      grub:   -cdrom ISO -boot d
      [-qmp unix:SOCK,server=on,wait=off] [-d int,cpu_reset,guest_errors
      -D TRACE] [-s -S] [extra...]

The serial port goes to the terminal with the monitor muxed in
(interactive: Ctrl-A X quits, Ctrl-A C the monitor), to a file (QEMU
writes it as output comes, so a hang still leaves its log), or to plain
stdio.  Guarantees: `make run`, `make debug`, the test, benchmark and
compare runners all boot through this one function, so every boot uses
the same machine; it starts nothing (accel 'auto' may run the KVM probe,
qemuaccel.py).  Python 3.11 standard library only.
"""

from __future__ import annotations

import qemuproc
from qemuaccel import accel_args, resolve_accel


def build_qemu_cmd(kernel: str | None = None, iso: str | None = None,
                   boot: str = "direct", cpus: int = 1, mem: str = "512M",
                   accel: str = "tcg", cmdline: str = "",
                   gdb: bool = False, interactive: bool = False,
                   serial_log: str | None = None,
                   qmp_socket: str | None = None,
                   trace_log: str | None = None,
                   trace_port: str | None = None,
                   extra: list[str] | None = None) -> list[str]:
    """Return the QEMU argv.

    accel may be 'auto' (resolved here).  The serial port goes to the
    terminal with the monitor muxed in (interactive: Ctrl-A X quits), to
    serial_log as a file (written by QEMU as it comes, so a hang still
    leaves the log), or to plain stdio.
    """
    if accel == "auto":
        accel = resolve_accel(accel)
    cmd = [qemuproc.QEMU, "-M", "pc", "-m", str(mem), "-smp",
           str(int(cpus)), "-no-reboot", "-display", "none"]
    if interactive:
        cmd += ["-serial", "mon:stdio"]
    elif serial_log:
        cmd += ["-chardev", f"file,id=ser0,path={serial_log}",
                "-serial", "chardev:ser0"]
    else:
        cmd += ["-serial", "stdio"]
    if trace_port:
        # The second -serial is COM2: the kernel's trace export writes its
        # binary image there (kernel/trace/export.c), the console stays text.
        cmd += ["-chardev", f"file,id=trace0,path={trace_port}",
                "-serial", "chardev:trace0"]
    cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if not interactive:
        cmd += ["-monitor", "none"]
    cmd += accel_args(accel)
    cmd += _boot_args(boot, kernel, iso, cmdline)
    if qmp_socket:
        cmd += ["-qmp", f"unix:{qmp_socket},server=on,wait=off"]
    if trace_log:
        cmd += ["-d", "int,cpu_reset,guest_errors", "-D", trace_log]
    if gdb:
        cmd += ["-s", "-S"]
    cmd += list(extra or [])
    return cmd


def _boot_args(boot: str, kernel: str | None, iso: str | None,
               cmdline: str) -> list[str]:
    """direct: qboot and -kernel (multiboot1, ELF64); grub: the ISO."""
    if boot == "direct":
        if not kernel:
            raise ValueError("--boot direct needs --kernel")
        return ["-bios", qemuproc.QBOOT, "-kernel", kernel] + \
            (["-append", cmdline] if cmdline else [])
    if boot == "grub":
        if not iso:
            raise ValueError("--boot grub needs --iso")
        return ["-cdrom", iso, "-boot", "d"]
    raise ValueError(f"unknown boot path {boot!r} (direct|grub)")
