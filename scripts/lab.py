#!/usr/bin/env python3
"""lab.py - `make lab LAB=n DEST=dir`: write the student tree of lab n.

The solutions of the labs live in the main tree, between markers in the
source (docs/labs.md, "For teachers"):

    /* LAB 3 BEGIN: one line saying what the student must write */
    ...solution code...
    /* LAB 3 STUB:
    code that replaces the region in the student tree (may be empty)
    */
    /* LAB 3 END */

The student tree of lab n is every file `git ls-files` lists, where
(markers are searched for in C sources, SOURCE_EXTS, only)

* each region of lab n becomes `/* TODO (lab n): <the BEGIN text> */`
  (indented as the BEGIN line) followed by the STUB lines;
* each region of another lab keeps its solution, the marker lines dropped;
* the files only a teacher needs (STRIP, e.g. docs/teaching.md, which
  holds the answers) are left out;
* a file no marker touches is copied with its mode and modification time,
  so that a build folder copied along (scripts/labcheck.py) stays valid
  for it.

Guarantees: nothing is written unless every marker of every file parses
(the errors name file:line: an END or STUB outside a region, a BEGIN
inside one, a region left open, a STUB that is not closed before END,
two STUBs, or a STUB line that would close the comment early); DEST must
not exist or be empty; nothing outside the repository's listed files
goes into it.  Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Files a student tree does not get: the teacher's notes with the answers.
STRIP = {"docs/teaching.md"}

# Markers are C comments: only these files are searched for them (the
# docs and this script's own text show markers without being regions).
SOURCE_EXTS = (".c", ".h")

# The labs there may be (docs/labs.md lists seven).
LAB_RANGE = range(1, 8)

_BEGIN_RE = re.compile(r"^(\s*)/\*\s*LAB\s+(\d+)\s+BEGIN:\s*(.*?)\s*\*/\s*$")
_STUB_RE = re.compile(r"^\s*/\*\s*LAB\s+(\d+)\s+STUB:\s*$")
_END_RE = re.compile(r"^\s*/\*\s*LAB\s+(\d+)\s+END\s*\*/\s*$")
_ANY_RE = re.compile(r"/\*\s*LAB\s+\d+\s+(BEGIN|STUB|END)\b")
_STUB_CLOSE_RE = re.compile(r"^\s*\*/\s*$")


class MarkerError(Exception):
    """A malformed marker: str() is `file:line: what`."""


class Region:
    """One marked region: its lab, the BEGIN text, its line span (0-based,
    inclusive), the solution lines and the stub lines."""

    def __init__(self, lab: int, text: str, indent: str, begin: int):
        self.lab, self.text, self.indent, self.begin = lab, text, indent, begin
        self.end = -1
        self.solution: list[str] = []
        self.stub: list[str] | None = None


def parse_markers(path: str, lines: list[str]) -> list[Region]:
    """The regions of one file (lines keep their newlines); MarkerError
    on the first malformed marker."""
    regions: list[Region] = []
    cur: Region | None = None
    in_stub = False

    def err(i: int, msg: str) -> MarkerError:
        return MarkerError(f"{path}:{i + 1}: {msg}")

    for i, line in enumerate(lines):
        if in_stub:
            if _STUB_CLOSE_RE.match(line):
                in_stub = False
            elif _ANY_RE.search(line):
                raise err(i, "a LAB marker inside a STUB block (close the "
                          "STUB with a line holding only '*/' first)")
            elif "*/" in line:
                raise err(i, "'*/' in a STUB line would end the comment "
                          "early: stub code must not hold comments")
            else:
                cur.stub.append(line)
            continue
        m_begin, m_stub, m_end = (_BEGIN_RE.match(line), _STUB_RE.match(line),
                                  _END_RE.match(line))
        if m_begin:
            if cur:
                raise err(i, f"LAB {m_begin.group(2)} BEGIN inside the LAB "
                          f"{cur.lab} region opened at line {cur.begin + 1}:"
                          f" markers do not nest")
            if not m_begin.group(3):
                raise err(i, "LAB BEGIN needs a text saying what the "
                          "student must write")
            cur = Region(int(m_begin.group(2)), m_begin.group(3),
                         m_begin.group(1), i)
        elif m_stub:
            if not cur:
                raise err(i, "LAB STUB outside a region")
            if int(m_stub.group(1)) != cur.lab:
                raise err(i, f"LAB {m_stub.group(1)} STUB in the LAB "
                          f"{cur.lab} region opened at line {cur.begin + 1}")
            if cur.stub is not None:
                raise err(i, "a second STUB in one region")
            cur.stub = []
            in_stub = True
        elif m_end:
            if not cur:
                raise err(i, "LAB END without a BEGIN")
            if int(m_end.group(1)) != cur.lab:
                raise err(i, f"LAB {m_end.group(1)} END closes the LAB "
                          f"{cur.lab} region opened at line {cur.begin + 1}")
            cur.end = i
            regions.append(cur)
            cur = None
        elif _ANY_RE.search(line):
            raise err(i, "malformed LAB marker (want '/* LAB n BEGIN: text "
                      "*/', '/* LAB n STUB:' or '/* LAB n END */' alone on "
                      "its line)")
        elif cur:
            cur.solution.append(line)
    if in_stub:
        raise err(len(lines) - 1, f"the STUB of the LAB {cur.lab} region "
                  f"opened at line {cur.begin + 1} is never closed")
    if cur:
        raise err(cur.begin, f"LAB {cur.lab} region never ENDs")
    return regions


def render(lines: list[str], regions: list[Region], lab: int) -> list[str]:
    """The student version of a file: lab's regions stubbed, others'
    markers dropped."""
    out: list[str] = []
    at = 0
    for r in regions:
        out += lines[at:r.begin]
        if r.lab == lab:
            out.append(f"{r.indent}/* TODO (lab {lab}): {r.text} */\n")
            out += r.stub or []
        else:
            out += r.solution
        at = r.end + 1
    out += lines[at:]
    return out


def listed_files(root: str) -> list[str]:
    """The repository's files (`git ls-files`), relative to root."""
    p = subprocess.run(["git", "ls-files", "-z"], cwd=root,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("git ls-files failed (is this a git checkout? a "
                           "student tree cannot make another one): " +
                           p.stderr.strip())
    return [f for f in p.stdout.split("\0") if f]


def read_text(path: str) -> list[str] | None:
    """The file's lines, or None for a binary (non-UTF-8) file."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read().splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def scan(root: str, files: list[str]) -> dict[str, list[Region]]:
    """{file: regions} for every file with a marker; MarkerError on the
    first bad one."""
    found = {}
    for rel in files:
        path = os.path.join(root, rel)
        if not rel.endswith(SOURCE_EXTS) or not os.path.isfile(path) or \
                os.path.islink(path):
            continue
        lines = read_text(path)
        if lines is None:
            continue
        regions = parse_markers(rel, lines)
        if regions:
            found[rel] = regions
    return found


def labs_present(root: str, marked: dict[str, list[Region]]) -> set[int]:
    """The labs this tree has: a grade file or a marked region."""
    labs = {r.lab for rs in marked.values() for r in rs}
    gdir = os.path.join(root, "tests", "labs")
    if os.path.isdir(gdir):
        for f in os.listdir(gdir):
            m = re.fullmatch(r"lab(\d+)\.grade", f)
            if m:
                labs.add(int(m.group(1)))
    return labs


def write_tree(root: str, dest: str, lab: int, files: list[str],
               marked: dict[str, list[Region]]) -> int:
    """Write the student tree; return how many regions were stubbed."""
    stubbed = 0
    for rel in files:
        if rel in STRIP:
            continue
        src = os.path.join(root, rel)
        dst = os.path.join(dest, rel)
        if not os.path.lexists(src):
            continue        # deleted in the working tree, not yet in git
        os.makedirs(os.path.dirname(dst) or dest, exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        elif rel in marked:
            lines = read_text(src)
            with open(dst, "w", encoding="utf-8", newline="") as f:
                f.writelines(render(lines, marked[rel], lab))
            shutil.copymode(src, dst)
            stubbed += sum(r.lab == lab for r in marked[rel])
        elif os.path.isfile(src):
            shutil.copy2(src, dst)
    return stubbed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Write the student tree of a lab (make lab LAB=n "
                    "DEST=dir).")
    ap.add_argument("--lab", required=True, help="the lab number")
    ap.add_argument("--dest", required=True, help="the folder to write "
                    "(must not exist, or be empty)")
    ap.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if not re.fullmatch(r"\d+", a.lab or "") or int(a.lab) not in LAB_RANGE:
        print(f"lab: LAB must be a lab number 1-7, not {a.lab!r}",
              file=sys.stderr)
        return 2
    lab = int(a.lab)
    dest = os.path.abspath(a.dest)
    root = os.path.abspath(a.root)
    if os.path.exists(dest) and (not os.path.isdir(dest) or os.listdir(dest)):
        print(f"lab: {a.dest} exists and is not an empty folder: choose a "
              f"new DEST", file=sys.stderr)
        return 2
    if dest == root or dest.startswith(root + os.sep):
        if not dest.startswith(os.path.join(root, "build") + os.sep):
            print(f"lab: DEST {a.dest} is inside the repository: put it "
                  f"outside (or under build/)", file=sys.stderr)
            return 2
    try:
        files = listed_files(root)
        marked = scan(root, files)
    except (MarkerError, RuntimeError) as e:
        print(f"lab: {e}", file=sys.stderr)
        return 2
    present = labs_present(root, marked)
    if lab not in present:
        print(f"lab: this tree has no lab {lab} (labs here: "
              f"{', '.join(map(str, sorted(present))) or 'none'}; "
              f"docs/labs.md lists them)", file=sys.stderr)
        return 2
    os.makedirs(dest, exist_ok=True)
    n = write_tree(root, dest, lab, files, marked)
    with open(os.path.join(dest, ".lab"), "w") as f:
        f.write(f"{lab}\n")
    print(f"lab: wrote the lab {lab} student tree in {a.dest}: {n} "
          f"region{'s' if n != 1 else ''} to write (grep -rn 'TODO (lab "
          f"{lab})' there); then `make grade LAB={lab}` in it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
