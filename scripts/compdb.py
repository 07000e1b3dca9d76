#!/usr/bin/env python3
"""compdb.py - compile_commands.json from the build's own commands
(`make compdb`), for clangd and other editors.

Asks make for the commands it would run to build everything from scratch
for the chosen configuration, without running them: `make -n -B V=1
kernel host-test-bins` with the caller's make variables (design and
broken switches).  That covers the kernel, the user programs and their
libc (user/user.mk) and the host unit tests (tests/host/host.mk) with
exactly the flags make passes, the -I paths and the generated config
header included.  Each compiler invocation that names C sources gives one
entry per source: {"directory", "arguments", "file", "output"}; a source
compiled twice (lib/string.c: into the kernel, the user libc and the host
tests) keeps the kernel's command, the first make prints, so that each
file appears once.

Usage: compdb.py [--out FILE] [VAR=VALUE ...]   (default FILE:
compile_commands.json in the repository root).  `check(entries, units)`
is what scripts/tests/test_compdb.py uses to hold the result against the
DWARF of the objects actually built.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPILERS = {"gcc", "cc", "clang", "c99"}


def make_commands(variables: list[str]) -> list[str]:
    """The shell commands `make -n -B` prints for a full build."""
    p = subprocess.run(
        ["make", "-n", "-B", "--no-print-directory", "V=1", *variables,
         "kernel", "host-test-bins"],
        cwd=ROOT, capture_output=True, text=True,
        env={k: v for k, v in os.environ.items()
             if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")})
    if p.returncode != 0:
        sys.exit("compdb: make -n failed:\n" + p.stderr)
    # Join recipe lines continued with a backslash.
    return p.stdout.replace("\\\n", " ").splitlines()


def entries_from(lines: list[str]) -> list[dict]:
    """One entry per C source of each compiler command in @lines."""
    out, seen = [], set()
    for line in lines:
        try:
            argv = shlex.split(line)
        except ValueError:
            continue                        # not a simple command
        if not argv or os.path.basename(argv[0]) not in COMPILERS:
            continue
        if "-c" not in argv:
            continue                        # a link
        output = argv[argv.index("-o") + 1] if "-o" in argv[:-1] else None
        for src in (a for a in argv if a.endswith(".c")):
            if src in seen:
                continue
            seen.add(src)
            e = {"directory": ROOT, "arguments": argv, "file": src}
            if output:
                e["output"] = output
            out.append(e)
    return out


def check(entries: list[dict], units: list[dict]) -> list[str]:
    """Problems of @entries against @units, the compilation units found in
    built objects: {"file", "directory", "flags": [...]} (the DWARF
    DW_AT_name, DW_AT_comp_dir and the options of DW_AT_producer).  Each
    unit's file must have exactly one entry, in its directory, with every
    option the compiler recorded (for a file compiled several times: those
    of one of its compilations); no entry may name a file no unit has."""
    problems = []
    by_file: dict[str, list[dict]] = {}
    for e in entries:
        by_file.setdefault(os.path.normpath(e["file"]), []).append(e)
    for f, es in by_file.items():
        if len(es) > 1:
            problems.append("%s has %d entries" % (f, len(es)))
    units_of: dict[str, list[dict]] = {}
    for u in units:
        units_of.setdefault(os.path.normpath(u["file"]), []).append(u)
    unit_files = set(units_of)
    for f, us in units_of.items():
        es = by_file.get(f)
        if not es:
            problems.append("%s was compiled but has no entry" % f)
            continue
        e = es[0]
        # A file compiled more than once (lib/ into the kernel, the user
        # libc and the host tests) matches one of its compilations.
        why = []
        for u in us:
            if os.path.normpath(e["directory"]) != \
                    os.path.normpath(u["directory"]):
                why.append("directory %s, compiled in %s"
                           % (e["directory"], u["directory"]))
                continue
            missing = [fl for fl in u["flags"] if fl not in e["arguments"]]
            if not missing:
                why = []
                break
            why.append("entry lacks %s" % " ".join(missing))
        if why:
            problems.append("%s: %s" % (f, "; ".join(why)))
    for f in by_file:
        if f not in unit_files:
            problems.append("%s has an entry but no object was built from it"
                            % f)
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT,
                                                  "compile_commands.json"))
    ap.add_argument("variables", nargs="*", help="make VAR=VALUE")
    a = ap.parse_args()
    bad = [v for v in a.variables if "=" not in v]
    if bad:
        ap.error("not VAR=VALUE: %s" % " ".join(bad))
    entries = entries_from(make_commands(a.variables))
    if not entries:
        sys.exit("compdb: make printed no compiler command")
    with open(a.out + ".tmp", "w") as f:
        json.dump(entries, f, indent=1)
        f.write("\n")
    os.replace(a.out + ".tmp", a.out)
    print("compdb: %d C files -> %s" % (len(entries),
                                        os.path.relpath(a.out, ROOT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
