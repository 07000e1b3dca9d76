#!/usr/bin/env python3
"""peer.py - `make peer`: this kernel against Linux in the same QEMU.

The measured peer (docs/peer.md; not part of `make deps` or `make test`).
Both systems run one program, user/bin/scale.c (will-it-scale's shapes
page_fault1, tlb_flush2 and mmap1, N threads pinned one per vCPU), for
N = 1..CPUS:

* this kernel: the configuration given (default rcu-ipi-vma) booted the
  way `make bench BENCH=scale` boots it (scripts/kbuild.py: qboot,
  `-kernel`), with `bench=scale scale=SECONDS,WARMUP,MIB`;
* Linux: a Debian cloud kernel fetched with apt-get into build/peer/
  (peerimage.py), booted by the same function with the same machine
  (scripts/qemucmd.py: `-M pc`, vCPUs, memory, `-accel tcg,thread=multi
  -cpu max`, qboot), plus `-initrd` (/init = bench/peer/init.c and
  /bin/scale, both static glibc) and LINUX_APPEND as its command line.

Each RESULT line (peerlog.py) of both serial logs goes into

    bench/results/peer-<YYYYmmdd-HHMMSS>/   peer.md (side-by-side table),
                                            peer.csv, results.csv,
                                            meta.json, logs/*.log

copied to bench/results/peer-latest/ (not with --out DIR).  The host's
load is recorded (hostload.py) and a busy host is warned about.  When the
Linux kernel cannot be had it says why and exits 1 before booting
anything: no figures.  --from-log reads logs instead of booting.  Exit
status 0 iff both systems gave a RESULT for every (shape, threads) and no
problem was seen; 1 otherwise; 130 interrupted.

Python 3.11 standard library, plus what peerimage.py needs (apt-get,
dpkg-deb, gcc with a static glibc) and QEMU.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench          # noqa: E402
import benchreport    # noqa: E402
import compare        # noqa: E402
import hostload       # noqa: E402
import kbuild         # noqa: E402
import matrix         # noqa: E402
import peerimage      # noqa: E402
import peerlog        # noqa: E402
import qemurun        # noqa: E402
from kbuild import say                # noqa: E402
from peerboot import (append_host, boot_linux,  # noqa: E402
                      boot_problems, kernel_cmdline, kernel_timeout,
                      linux_cmdline, linux_timeout, parse_scale)
from peerlog import PEER, TESTS       # noqa: E402
from qemuaccel import resolve_accel   # noqa: E402

FROM_LOGS = "as in the logs (read with --from-log)"
DEFAULT_CPUS = 2
CSV_COLUMNS = ("test", "threads", "cpus", "accel", "kernel_config",
               "kernel_per_sec", "kernel_min", "kernel_max",
               "linux_per_sec", "linux_min", "linux_max",
               "kernel_over_linux", "kernel_scaling", "linux_scaling",
               "boots", "overcommitted", "linux_version")


class Outcome(compare.Run):
    """compare.Run plus the Linux version seen and the boots' lines."""

    def __init__(self):
        super().__init__()
        self.linux_version = ""
        self.lines: list[str] = []


def run_boots(kernel: str | None, config: str, info: dict | None,
              initrd: str | None, cpus: int, scale, accel: str, mem: str,
              boots: int, log_dir: str, timeout: float | None = None,
              tag: str = "") -> Outcome:
    """boots rounds of (this kernel, then Linux), one boot at a time;
    either side is skipped when its kernel is None.  tag goes into the
    log names (`-E0`).  Rows: peerlog.read_log()'s, with `boot`."""
    out = Outcome()
    os.makedirs(log_dir, exist_ok=True)
    plan = [(k, side) for k in range(1, boots + 1)
            for side, have in (("kernel", kernel), ("linux", info)) if have]
    for i, (k, side) in enumerate(plan, 1):
        linux = side == "linux"
        name = PEER if linux else config
        stem = f"{name}-cpus{cpus}{tag}-boot{k}"
        log = os.path.join(log_dir, stem + ".log")
        label = f"{'Linux' if linux else config} cpus={cpus} boot {k}" + \
            (" (overcommitted)" if cpus > (os.cpu_count() or cpus) else "")
        try:
            if linux:
                res, text = boot_linux(
                    info, initrd, cpus, scale, accel, mem,
                    timeout or linux_timeout(cpus, scale), log)
            else:
                res, text = kbuild.boot(
                    kernel, cpus, kernel_cmdline(scale), log, accel, mem,
                    timeout or kernel_timeout(cpus, scale))
                append_host(log)
                with open(log, errors="replace") as f:
                    text = f.read()
        except KeyboardInterrupt:
            qemurun.kill_all()
            out.interrupted = True
            out.problems.append(f"{label}: interrupted")
            break
        scan, rows = peerlog.read_log(text, bench.show(log), stem,
                                      None if linux else config, cpus, accel)
        if linux and scan.uname:
            out.linux_version = peerlog.linux_version(scan.uname)
        out.results += rows
        out.boots += 1
        problems = boot_problems(label, res.classification, scan, cpus,
                                 linux, res.reason)
        line = (f"[{i}/{len(plan)}] {label} {accel}: "
                f"{bench.plural(len(rows), 'result')} ({res.duration:.1f}s)"
                f"{' ' + res.classification.upper() if problems else ''}")
        say(line)
        out.lines.append(line)
        for p in problems:
            say(f"  {p}")
        if problems and not scan.results:
            say(kbuild.crash_report(
                f"  last {kbuild.TAIL_LINES} lines of {bench.show(log)}:",
                scan.lines, res.stderr))
        out.problems += problems
    out.accels = {r["accel"] for r in out.results} or {accel}
    return out


def from_logs(paths: list[str]) -> Outcome:
    out = Outcome()
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except OSError as e:
            out.problems.append(f"{path}: {e.strerror}")
            continue
        stem = os.path.splitext(os.path.basename(path))[0]
        scan, rows = peerlog.read_log(text, path, stem)
        if scan.linux and scan.uname:
            out.linux_version = peerlog.linux_version(scan.uname)
        out.results += rows
        out.problems += scan.errors
        out.boots += 1
        if not rows:
            out.problems.append(f"{path}: no RESULT lines")
        line = f"{path}: {'Linux' if scan.linux else 'this kernel'}, " \
            f"{bench.plural(len(rows), 'result')}"
        say(line)
        out.lines.append(line)
    out.accels = {r["accel"] for r in out.results}
    return out


# ==========================================================================
# The table
# ==========================================================================

def _agg(rows: list[dict]) -> dict | None:
    """Median over boots of the values; min/max the extremes."""
    if not rows:
        return None
    return dict(value=statistics.median(r["value"] for r in rows),
                min=min(r["min"] for r in rows),
                max=max(r["max"] for r in rows), boots=len(rows),
                oc=any(r.get("overcommitted") == "yes" for r in rows))


def table_rows(results: list[dict], config: str) -> list[dict]:
    """One row per (test, cpus, threads): this kernel's and Linux's
    figures (medians over boots), their ratio, and each one's rate at N
    threads over its rate at 1 thread (a control's: over page_fault1's
    at 1 thread, peerlog.base_test())."""
    keys = sorted({(r["metric"], r["cpus"], r["x"]) for r in results
                   if r["name"] == peerlog.BENCH
                   and r["metric"].startswith("iterations_per_s_")},
                  key=lambda k: (TESTS.index(k[0].removeprefix(
                      "iterations_per_s_")), k[1], k[2]))

    def agg(series, metric, cpus, x):
        return _agg([r for r in results if r["config"] == series and
                     r["metric"] == metric and r["cpus"] == cpus and
                     r["x"] == x])
    out = []
    for metric, cpus, x in keys:
        k, lx = agg(config, metric, cpus, x), agg(PEER, metric, cpus, x)
        base = peerlog.metric_of(peerlog.base_test(
            metric.removeprefix("iterations_per_s_")))
        k1, l1 = agg(config, base, cpus, 1), agg(PEER, base, cpus, 1)
        accel = sorted({r["accel"] for r in results if r["cpus"] == cpus})
        out.append(dict(
            test=metric.removeprefix("iterations_per_s_"), threads=x,
            cpus=cpus, accel=" ".join(accel), kernel=k, linux=lx,
            ratio=k["value"] / lx["value"] if k and lx and lx["value"]
            else None,
            kernel_scaling=k["value"] / k1["value"] if k and k1 and
            k1["value"] else None,
            linux_scaling=lx["value"] / l1["value"] if lx and l1 and
            l1["value"] else None))
    return out


def _mmm(a: dict | None, not_measured: str = "not measured") -> str:
    if a is None:
        return not_measured
    return f"{benchreport.fmt(a['value'])} ({benchreport.fmt(a['min'])}.." \
        f"{benchreport.fmt(a['max'])})" + \
        (benchreport.OC_MARK if a["oc"] else "")


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def markdown(trows: list[dict], meta: dict) -> str:
    load = meta.get("hostload", (None, None))
    cfg = meta["config"]
    out = ["# make peer: this kernel against Linux in the same QEMU", ""]
    out += hostload.markdown_warning(*load)
    out += [f"- date: {meta['date']}",
            f"- host: {meta['host']}",
            f"- tree: {meta.get('tree', '?')}",
            f"- command: `{meta['command']}`",
            f"- this kernel: configuration `{cfg}`, booted with "
            f"`{meta['kernel_cmdline']}`",
            f"- Linux: {meta.get('linux_version') or 'not measured'}" +
            (f"; package `{meta['linux_package']}`"
             if meta.get("linux_package") else ""),
            f"- Linux command line: `{meta['linux_cmdline']}`",
            f"- machine (both): `{meta['machine']}`",
            "- scale: " + (f"{meta['scale'][0]} s timed after "
                           f"{meta['scale'][1]} s of warm-up, "
                           f"{meta['scale'][2]} MiB regions (page_fault1, "
                           f"mmap1), 1 MiB (tlb_flush2)" if meta["scale"]
                           else FROM_LOGS),
            f"- {meta.get('what', 'boots')}: {meta['boots']} in "
            f"{meta['duration']}"]
    out += hostload.markdown_bullets(*load)
    out += ["",
            "Both columns come from one program, user/bin/scale.c, built "
            "with this kernel's libc and, for Linux, statically with the "
            "host's glibc; the same QEMU machine runs both "
            "(docs/peer.md). A figure is iterations per second of all "
            "threads together over the timed window, `median (min..max)`: "
            "the median over boots of that rate, and the slowest and "
            "fastest one-second window of any boot. page_fault1 and "
            "tlb_flush2 count pages touched, mmap1 mmap+munmap pairs. "
            "`N / 1 thread` divides a system's rate at N threads by its "
            "own rate at 1 thread (2.00x: perfect scaling on 2 vCPUs); "
            "`kernel / Linux` divides this kernel's rate by Linux's. "
            "The two `page_fault1_beside_` rows are controls: page_fault1 "
            "with a neighbour thread on another vCPU that shares nothing "
            "with it (a writer of its own memory, or an adder), their "
            "`N / 1 thread` over page_fault1 alone at 1 thread: what a "
            "busy neighbour alone takes from a fault "
            "(docs/performance.md, finding 22). Under "
            "TCG, absolute rates drift with the host's load: read the "
            "ratios, and trust none from a busy host.", ""]
    if meta.get("problems"):
        out += ["**Problems in this run:**", ""]
        out += [f"- {p}" for p in meta["problems"]]
        out.append("")
    head = ["test", "vCPUs", "threads", f"this kernel ({cfg}), iterations/s",
            "Linux, iterations/s", "kernel / Linux",
            "this kernel: N / 1 thread", "Linux: N / 1 thread"]
    out.append("| " + " | ".join(head) + " |")
    out.append("| --- |" + " ---: |" * (len(head) - 1))
    for t in trows:
        out.append("| " + " | ".join([
            t["test"], str(t["cpus"]), str(t["threads"]), _mmm(t["kernel"]),
            _mmm(t["linux"]), _x(t["ratio"]), _x(t["kernel_scaling"]),
            _x(t["linux_scaling"])]) + " |")
    if not trows:
        out.append("| (no results) | - | - | - | - | - | - | - |")
    out.append("")
    return "\n".join(out)


def write_csv(path: str, trows: list[dict], meta: dict) -> None:
    rows = []
    for t in trows:
        k, lx = t["kernel"] or {}, t["linux"] or {}
        rows.append(dict(
            test=t["test"], threads=t["threads"], cpus=t["cpus"],
            accel=t["accel"], kernel_config=meta["config"],
            kernel_per_sec=k.get("value", ""), kernel_min=k.get("min", ""),
            kernel_max=k.get("max", ""), linux_per_sec=lx.get("value", ""),
            linux_min=lx.get("min", ""), linux_max=lx.get("max", ""),
            kernel_over_linux="" if t["ratio"] is None else
            f"{t['ratio']:.4g}",
            kernel_scaling="" if t["kernel_scaling"] is None else
            f"{t['kernel_scaling']:.4g}",
            linux_scaling="" if t["linux_scaling"] is None else
            f"{t['linux_scaling']:.4g}",
            boots=max(k.get("boots", 0), lx.get("boots", 0)),
            overcommitted="yes" if k.get("oc") or lx.get("oc") else "no",
            linux_version=meta.get("linux_version", "")))
    benchreport.write_csv(path, rows, CSV_COLUMNS)


# ==========================================================================
# Main
# ==========================================================================

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Boot this kernel and Linux (a Debian cloud kernel) in "
                    "the same QEMU, run user/bin/scale.c in both, and write "
                    "a side-by-side table.")
    ap.add_argument("--cpus", help=f"vCPUs of both boots; runs 1..CPUS "
                    f"threads (default {DEFAULT_CPUS})")
    ap.add_argument("--mem", help="guest memory (default 512M, as make "
                    "bench)")
    ap.add_argument("--accel", help="auto|kvm|tcg (default tcg)")
    ap.add_argument("--scale", help="SECONDS,WARMUP,MIB of each run "
                    "(default 2,1,128)")
    ap.add_argument("--config", help="this kernel's configuration "
                    f"(default {matrix.DEFAULT_CONFIG})")
    ap.add_argument("--boots", help="rounds of (kernel, Linux) boots "
                    "(default 1)")
    ap.add_argument("--timeout", help="seconds per boot (default: 120 s "
                    "for this kernel, 240 s for Linux, plus 3x the runs)")
    ap.add_argument("--out", help="write here instead of bench/results/"
                    "peer-<timestamp>/ (peer-latest/ is not updated)")
    ap.add_argument("--refresh", action="store_true",
                    help="download the Linux kernel again")
    ap.add_argument("--fetch-only", action="store_true",
                    help="fetch the kernel and build the initramfs, boot "
                         "nothing")
    ap.add_argument("--list", action="store_true",
                    help="print the two QEMU command lines, run nothing")
    ap.add_argument("--from-log", nargs="+", metavar="FILE",
                    help="fetch, build and boot nothing: read these logs")
    a = ap.parse_args(argv)
    o = matrix.opt
    try:
        a.cpus = int(o(a.cpus) or DEFAULT_CPUS)
        a.boots = int(o(a.boots) or 1)
        a.timeout = float(o(a.timeout)) if o(a.timeout) else None
        a.scale = parse_scale(o(a.scale))
    except ValueError as e:
        ap.error(str(e))
    if not 1 <= a.cpus <= 64 or a.boots < 1:
        ap.error("--cpus must be 1..64 and --boots at least 1")
    a.mem = o(a.mem) or "512M"
    a.config = o(a.config) or matrix.DEFAULT_CONFIG
    try:
        matrix.parse_config(a.config)
    except ValueError as e:
        ap.error(f"--config: {e}")
    return a


def machine_line(a, accel: str) -> str:
    """The QEMU line both boots share (without what differs: the kernel,
    its command line, Linux's -initrd, the log and QMP sockets)."""
    from qemuaccel import accel_args
    return " ".join(["-M pc", f"-m {a.mem}", f"-smp {a.cpus}",
                     *accel_args(accel), "-bios qboot.rom"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    a = parse_args(argv)
    command = shlex.join(["python3", os.path.relpath(
        os.path.abspath(__file__), os.getcwd()), *argv])
    info = initrd = None
    if not a.from_log:
        try:
            info, initrd = peerimage.prepare(say=say)
        except peerimage.PeerError as e:
            say(f"peer: the Linux peer cannot be run: {e}")
            say("peer: nothing was booted and no figures were written")
            return 1
        say(f"peer: Linux {info.get('release')} (package {info.get('package')}"
            f" {info.get('version')}), initramfs "
            f"{bench.show(initrd)}")
        if a.fetch_only:
            return 0
    accel = resolve_accel(matrix.opt(a.accel) or "tcg")
    if a.list:
        say(f"this kernel: {a.config} -append '{kernel_cmdline(a.scale)}'")
        say(f"Linux: -kernel {bench.show(info['vmlinuz'])} -initrd "
            f"{bench.show(initrd)} -append '{linux_cmdline(a.scale)}'")
        say(f"both: {machine_line(a, accel)}")
        return 0

    out_dir = os.path.abspath(a.out) if a.out else \
        benchreport.new_results_dir("peer-")
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    load_start = load_end = None
    if a.from_log:
        o = from_logs(a.from_log)
    else:
        load_start = bench.host_snapshot("start")
        kernels, problems = bench.build_kernels([a.config])
        o = run_boots(kernels.get(a.config), a.config, info, initrd, a.cpus,
                      a.scale, accel, a.mem, a.boots,
                      os.path.join(out_dir, "logs"), a.timeout)
        o.problems = problems + o.problems
        if not kernels.get(a.config):
            o.problems.append(f"{a.config}: not booted (build failed)")
        load_end = bench.host_snapshot("end")
    configs = sorted({r["config"] for r in o.results if r["config"] != PEER})
    config = configs[0] if configs else a.config
    meta = dict(date=started.strftime("%Y-%m-%d %H:%M:%S %Z"),
                host=bench.host_line(), command=command,
                tree="not known (read from logs)" if a.from_log
                else compare.tree(), config=config,
                what="logs read" if a.from_log else "boots",
                boots=bench.plural(o.boots, "log" if a.from_log else "boot"),
                duration=f"{time.monotonic() - t0:.0f} s",
                kernel_cmdline=FROM_LOGS if a.from_log
                else kernel_cmdline(a.scale),
                linux_cmdline=FROM_LOGS if a.from_log
                else linux_cmdline(a.scale),
                linux_version=o.linux_version or (
                    peerlog.linux_version("", info) if info else ""),
                linux_package=f"{info['package']} {info['version']} "
                f"(sha256 {info['sha256'][:16]}...)" if info else "",
                machine=FROM_LOGS if a.from_log else machine_line(a, accel),
                scale=None if a.from_log else list(a.scale),
                accels=o.accels, problems=o.problems,
                hostload=(load_start, load_end))
    trows = table_rows(o.results, config)
    os.makedirs(out_dir, exist_ok=True)
    text = markdown(trows, meta)
    with open(os.path.join(out_dir, "peer.md"), "w") as f:
        f.write(text)
    write_csv(os.path.join(out_dir, "peer.csv"), trows, meta)
    benchreport.write_csv(os.path.join(out_dir, "results.csv"), o.results,
                          benchreport.CSV_COLUMNS + ("boot",))
    benchreport.write_meta(os.path.join(out_dir, "meta.json"), meta)
    latest = None if a.out else benchreport.update_latest(out_dir,
                                                          "peer-latest")
    for ln in text.splitlines():
        if ln.startswith("|"):
            say(ln)
    bench.summary(o.results, meta["boots"], time.monotonic() - t0,
                  o.problems)
    say(f"table: {bench.show(out_dir)}/peer.md" +
        (f" (copied to {bench.show(latest)}/)" if latest else ""))
    bench.busy_warning(load_start, load_end)
    return bench.exit_status(o.results, o.problems, o.interrupted)


if __name__ == "__main__":
    sys.exit(main())
