#!/usr/bin/env python3
"""labcheck.py - `make labcheck`: every lab is gradeable, and graded right.

For each lab with a grade file (tests/labs/lab<n>.grade):

1. the main tree scores full marks (scripts/grade.py, all its boots);
2. its student tree (scripts/lab.py, into build/labcheck/lab<n>/) builds:
   the main tree's build folders are copied in first, so that only the
   files the markers changed are compiled again;
3. the student tree scores below full marks: its grader stops at the
   first failed test (--until-fail), which is all this check needs.

Prints one line per step and `labcheck: N labs OK` or what failed; exit
status 0 iff every step of every lab held.  An unnarrowed `make test`
runs it before the kernel suites (about 25 s for labs 1-3); in a student
tree (a `.lab` file at the top) it has nothing to check and says so.  Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grade   # noqa: E402
import kbuild  # noqa: E402
import matrix  # noqa: E402

ROOT = matrix.ROOT
WORK = os.path.join(ROOT, "build", "labcheck")
SCORE_RE = re.compile(r"^Score: (\d+)/(\d+)$", re.M)


def labs_with_grades(root: str) -> list[int]:
    d = os.path.join(root, "tests", "labs")
    if not os.path.isdir(d):
        return []
    return sorted(int(m.group(1)) for f in os.listdir(d)
                  if (m := re.fullmatch(r"lab(\d+)\.grade", f)))


def run(cmd: list[str], cwd: str) -> tuple[int, str]:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def score(out: str) -> tuple[int, int] | None:
    m = SCORE_RE.findall(out)
    return (int(m[-1][0]), int(m[-1][1])) if m else None


def build_dirs(lab: int) -> list[str]:
    """The build folders the lab's grade file needs (its configurations
    and extras, as the Makefile names them)."""
    tests = grade.read_grade(grade.grade_file(ROOT, lab))
    out = []
    for t in tests:
        suffix = "".join("+" + e.split("=")[0].lower() for e in t.extras)
        out.append(t.config + suffix)
    return list(dict.fromkeys(out))


def check_lab(lab: int, accel: str, quick: bool = False) -> list[str]:
    """Check one lab; return the problems (empty: all held).  quick: the
    main tree runs each graded test once (grade.py --once)."""
    problems = []
    py = sys.executable
    t0 = time.monotonic()
    rc, out = run([py, "scripts/grade.py", "--lab", str(lab), "--accel", accel]
                  + (["--once"] if quick else []), ROOT)
    s = score(out)
    if rc != 0 or not s or s[0] != s[1]:
        problems.append(f"lab {lab}: the main tree scored "
                        f"{'%d/%d' % s if s else 'nothing'} (status {rc}):\n"
                        + out[-3000:])
    print(f"labcheck: lab {lab}: main tree {s[0] if s else '?'}/"
          f"{s[1] if s else '?'} ({time.monotonic() - t0:.1f}s)", flush=True)

    dest = os.path.join(WORK, f"lab{lab}")
    shutil.rmtree(dest, ignore_errors=True)
    rc, out = run([py, "scripts/lab.py", "--lab", str(lab), "--dest", dest],
                  ROOT)
    if rc != 0:
        return problems + [f"lab {lab}: make lab failed:\n{out}"]
    for b in build_dirs(lab):
        src = os.path.join(ROOT, "build", b)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dest, "build", b),
                            symlinks=True)
    t0 = time.monotonic()
    for b in build_dirs(lab):
        base, *extras = b.split("+")
        v = matrix.config_vars(base, [f"{e.upper()}=1" for e in extras])
        rc, out, err = kbuild.run_make(["-s", "kernel", *v], cwd=dest)
        out += err
        if rc != 0:
            problems.append(f"lab {lab}: the student tree does not build "
                            f"({b}):\n{out[-3000:]}")
    print(f"labcheck: lab {lab}: student tree built "
          f"({time.monotonic() - t0:.1f}s)", flush=True)
    if problems and "does not build" in problems[-1]:
        return problems
    t0 = time.monotonic()
    rc, out = run([py, "scripts/grade.py", "--lab", str(lab), "--accel", accel,
                   "--until-fail"], dest)
    s = score(out)
    if rc != 1 or not s or s[0] >= s[1]:
        problems.append(f"lab {lab}: the student tree scored "
                        f"{'%d/%d' % s if s else 'nothing'} (status {rc}): "
                        f"its stubs must fail a test:\n{out[-3000:]}")
    fails = [ln for ln in out.splitlines() if ln.endswith(")") and "FAIL (" in ln]
    print(f"labcheck: lab {lab}: student tree below full marks: "
          f"{'yes' if s and s[0] < s[1] else 'NO'}"
          + (f" (first failure: {fails[0].split(' == ')[0][8:]})" if fails else "")
          + f" ({time.monotonic() - t0:.1f}s)", flush=True)
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check every lab's grading "
                                 "(make labcheck).")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--only", help="comma list of lab numbers")
    ap.add_argument("--quick", action="store_true",
                    help="the main tree runs each graded test once, not its "
                         "runs column's times (make test)")
    a = ap.parse_args(argv)
    if os.path.exists(os.path.join(ROOT, ".lab")):
        with open(os.path.join(ROOT, ".lab")) as f:
            n = f.read().strip()
        print(f"labcheck: this is the student tree of lab {n}: nothing to "
              f"check (make grade grades it)")
        return 0
    labs = labs_with_grades(ROOT)
    if a.only:
        want = {int(x) for x in matrix.split(a.only)}
        labs = [n for n in labs if n in want]
    if not labs:
        print("labcheck: no lab has a grade file (tests/labs/)")
        return 1
    problems = []
    for n in labs:
        problems += check_lab(n, a.accel, a.quick)
    for p in problems:
        print(f"labcheck: FAILED: {p}")
    print(f"labcheck: {len(labs)} lab{'s' if len(labs) != 1 else ''} "
          + ("OK" if not problems else f"checked, {len(problems)} problems"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
