#!/usr/bin/env python3
"""matrix.py - the build's switches and the test/benchmark matrices.

The switches come from scripts/switches.mk, the one list of them (the
Makefile includes the same file): the design switches (SWITCHES, each with
its values and default) and the test-only *_BROKEN switches.  From them:
configuration names (`<TABLE_FREE>-<SHOOTDOWN>-<FAULT>`, e.g. rcu-ipi-spf),
the make variables that build one, and the runners' narrowing options
(--table-free, --shootdown, --fault: one per switch, named after it).

A matrix file (tests/matrix.txt, bench/matrix.txt) has lines
`name cpus configs [word=value ...]`: cpus a comma list, configs
`default`, `all` (every combination) or a comma list of configuration
names, then optional kernel command-line words for that row's boots (e.g.
pvmodel=20000,300,5: a row with its own words boots apart from the rows
without); `#` starts a comment.
expand_matrix() applies the narrowing options, plan_boots() groups the rows
into one boot per (configuration, CPU count), split into several boots
where the names would not fit in one command-line value: the kernel
ignores a value longer than CMDLINE_VALUE_MAX characters (lib/cmdline.h,
the one place that limit is written; VALUE_MAX here is read from it).

`python3 scripts/matrix.py` prints the switches.  Python 3.11 standard
library only.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWITCHES_MK = os.path.join(ROOT, "scripts", "switches.mk")
CMDLINE_H = os.path.join(ROOT, "lib", "cmdline.h")


def read_value_max(path: str = CMDLINE_H) -> int:
    """The longest command-line value the kernel accepts: the
    `#define CMDLINE_VALUE_MAX <n>` of lib/cmdline.h.  ktest= and bench=
    store their value in a buffer of that size plus the NUL."""
    with open(path) as f:
        m = re.search(r"^#define\s+CMDLINE_VALUE_MAX\s+(\d+)\b", f.read(),
                      re.M)
    if not m:
        raise ValueError(f"{path}: no #define CMDLINE_VALUE_MAX")
    return int(m.group(1))


VALUE_MAX = read_value_max()


# ==========================================================================
# Switches (scripts/switches.mk)
# ==========================================================================

@dataclass(frozen=True)
class Switch:
    name: str                   # TABLE_FREE
    values: tuple[str, ...]     # ("ipi", "rcu")
    default: str                # "rcu"

    @property
    def option(self) -> str:
        """The runners' option: TABLE_FREE -> --table-free."""
        return "--" + self.name.lower().replace("_", "-")


_ASSIGN_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:=\s*(.*?)\s*$")


def read_switches(path: str = SWITCHES_MK):
    """Parse switches.mk; return (design switches, {broken switch: text})."""
    var: dict[str, str] = {}
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = _ASSIGN_RE.match(line)
            if not m:
                raise ValueError(f"{path}:{n}: want `NAME := value`, "
                                 f"got {line!r}")
            var[m.group(1)] = m.group(2)

    def get(name: str) -> str:
        if name not in var:
            raise ValueError(f"{path}: {name} is not defined")
        return var[name]

    switches = []
    for s in get("SWITCHES").split():
        values = tuple(get(f"{s}_VALUES").split())
        default = get(f"{s}_DEFAULT")
        if default not in values:
            raise ValueError(f"{path}: {s}_DEFAULT={default} is not one of "
                             f"{s}_VALUES")
        switches.append(Switch(s, values, default))
    broken = {b: get(f"{b}_WHAT") for b in get("BROKEN_VARS").split()}
    return switches, broken


SWITCHES, BROKEN = read_switches()
DEFAULT_CONFIG = "-".join(s.default for s in SWITCHES)
ALL_CONFIGS = ["-".join(v) for v in
               itertools.product(*(s.values for s in SWITCHES))]


def parse_config(name: str) -> dict[str, str]:
    """'rcu-ipi-spf' -> {'TABLE_FREE': 'rcu', 'SHOOTDOWN': 'ipi', ...}."""
    parts = name.split("-")
    if len(parts) != len(SWITCHES) or any(
            v not in s.values for s, v in zip(SWITCHES, parts)):
        raise ValueError(f"bad configuration {name!r}: want "
                         f"{'-'.join(s.name for s in SWITCHES)}, e.g. "
                         f"{DEFAULT_CONFIG}")
    return {s.name: v for s, v in zip(SWITCHES, parts)}


def config_vars(config: str, extra: list[str]) -> list[str]:
    """The make variables that build a configuration (plus extra ones)."""
    return [f"{k}={v}" for k, v in parse_config(config).items()] + extra


def is_broken(make_var: str) -> bool:
    """True for `SPINLOCK_BROKEN=1` and the like."""
    return make_var.split("=", 1)[0] in BROKEN


# ==========================================================================
# Matrix files
# ==========================================================================

@dataclass
class MatrixRow:
    name: str                   # suite or benchmark
    cpus: list[int]
    configs: list[str]          # expanded configuration names
    cmdline: str = ""           # extra kernel command-line words ("" none)


class Boot(tuple):
    """One boot of plan_boots(): the tuple (config, cpus, names), plus
    .cmdline, the row's extra command-line words ("" for none).  A tuple,
    so `config, n, names = boot` reads it as before."""

    cmdline: str

    def __new__(cls, config: str, cpus: int, names: list[str],
                cmdline: str = ""):
        b = super().__new__(cls, (config, cpus, names))
        b.cmdline = cmdline
        return b


def split(s: str | None) -> list[str]:
    """'a, b c' -> ['a', 'b', 'c']."""
    return [x for x in re.split(r"[,\s]+", s or "") if x]


def table_lines(path: str, minimum: int, want: str):
    """The rows of a whitespace table file (matrix.txt, models.txt):
    (line number, words) for every line with something left after `#`
    comments are cut.  Raises ValueError naming the file and line when a
    row has fewer than @minimum words (@want says what a row holds)."""
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            if len(words) < minimum:
                raise ValueError(f"{path}:{n}: want {want}: {raw.strip()!r}")
            yield n, words


def read_matrix(path: str) -> list[tuple[str, list[int], str, str]]:
    """Return the rows (name, cpus, configs as written, command-line
    words) of a matrix file."""
    rows = []
    for n, parts in table_lines(path, 3, "`name cpus configs` (then "
                                "optional key=value words)"):
        name, cpus, configs = parts[:3]
        for w in parts[3:]:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=[^\s\"']+", w):
                raise ValueError(f"{path}:{n}: bad command-line word "
                                 f"{w!r}: want key=value")
        try:
            cpu_list = [int(c) for c in split(cpus)]
        except ValueError:
            raise ValueError(f"{path}:{n}: bad cpus {cpus!r}") from None
        if configs not in ("default", "all"):
            for c in split(configs):
                try:
                    parse_config(c)
                except ValueError as e:
                    raise ValueError(f"{path}:{n}: {e}") from None
        rows.append((name, cpu_list, configs, " ".join(parts[3:])))
    return rows


def expand_matrix(rows, names=None, cpus=None, switches=None,
                  what="suite", where="the matrix"):
    """Apply the narrowing options; return (list of MatrixRow, notes).

    names: only those rows (a name not in the matrix runs at the default
    configuration, one CPU).  cpus: each row keeps the counts it shares
    with the list, or takes the list when it shares none.  switches
    ({'TABLE_FREE': 'ipi'}): keep the configurations with those values; a
    row saying `default` takes them instead.  what/where name a row and
    the file in the notes.
    """
    switches = {k: v for k, v in (switches or {}).items() if v}
    notes = []
    if names:
        known = {r[0] for r in rows}
        rows = [r for r in rows if r[0] in names]
        for s in names:
            if s not in known:
                notes.append(f"{what} {s} is not in {where}: running it "
                             f"at the default configuration")
                rows.append((s, [1], "default"))
    out = []
    for name, row_cpus, configs, *words in rows:
        cmdline = words[0] if words else ""
        if configs == "default":
            cl = ["-".join(switches.get(s.name, s.default)
                           for s in SWITCHES)]
        else:
            cl = ALL_CONFIGS if configs == "all" else split(configs)
            cl = [c for c in cl if all(parse_config(c)[k] == v
                                       for k, v in switches.items())]
            if not cl:
                notes.append(f"{what} {name}: no configuration of its row "
                             f"matches the given switches; not run")
                continue
        if cpus:
            row_cpus = [c for c in row_cpus if c in cpus] or list(cpus)
        out.append(MatrixRow(name, sorted(set(row_cpus)), cl, cmdline))
    return out, notes


def split_names(names: list[str], value_max: int) -> list[list[str]]:
    """Cut names into runs whose `a,b,c` fits in value_max characters,
    keeping their order; a single name longer than that is a ValueError."""
    chunks: list[list[str]] = []
    length = 0
    for name in names:
        if len(name) > value_max:
            raise ValueError(f"name {name!r} is longer than the kernel's "
                             f"{value_max}-character command-line value")
        if chunks and length + 1 + len(name) <= value_max:
            chunks[-1].append(name)
            length += 1 + len(name)
        else:
            chunks.append([name])
            length = len(name)
    return chunks


def plan_boots(matrix: list[MatrixRow], value_max: int | None = None):
    """Group into boots: [Boot(config, cpus, [names])], in a stable order.

    One boot per (config, cpus, command-line words), or several in a row
    with the same key where `,`.join(names) would exceed value_max
    (default VALUE_MAX, the kernel's limit): the kernel would ignore the
    key.
    """
    value_max = VALUE_MAX if value_max is None else value_max
    boots: dict[tuple[str, int, str], list[str]] = {}
    config_order: list[str] = []
    for row in matrix:
        for c in row.configs:
            if c not in config_order:
                config_order.append(c)
            for n in row.cpus:
                names = boots.setdefault((c, n, row.cmdline), [])
                if row.name not in names:
                    names.append(row.name)
    keys = sorted(boots, key=lambda k: (config_order.index(k[0]), k[1], k[2]))
    return [Boot(k[0], k[1], part, k[2]) for k in keys
            for part in split_names(boots[k], value_max)]


def boot_stems(boots) -> list[str]:
    """A file name stem per boot of plan_boots(): `<config>-cpus<N>`, then
    `-<words>` for a row's command-line words (non-alphanumerics made
    `_`), with `-partK` (K from 1) where one such boot was split."""
    keys = [(b[0], b[1], getattr(b, "cmdline", "")) for b in boots]
    seen: dict[tuple[str, int, str], int] = {}
    out = []
    for k in keys:
        seen[k] = seen.get(k, 0) + 1
        stem = f"{k[0]}-cpus{k[1]}" + \
            (f"-{re.sub(r'[^A-Za-z0-9]', '_', k[2])}" if k[2] else "")
        out.append(stem if keys.count(k) == 1 else f"{stem}-part{seen[k]}")
    return out


# ==========================================================================
# The runners' narrowing options
# ==========================================================================

def opt(s):
    """The Makefile passes empty strings for variables not given."""
    return s if s not in (None, "") else None


def add_narrowing_args(ap: argparse.ArgumentParser, names_opt: str,
                       names_help: str) -> None:
    """NAMES_OPT (--suites/--bench), --cpus and one option per switch."""
    ap.add_argument(names_opt, help=names_help)
    ap.add_argument("--cpus", help="comma list of CPU counts")
    for s in SWITCHES:
        ap.add_argument(s.option, dest=f"switch_{s.name}",
                        metavar=s.name, help="|".join(s.values))


@dataclass
class Narrowing:
    names: list[str] | None
    cpus: list[int] | None
    switches: dict[str, str]    # only the switches given


def narrowing_from_args(ap: argparse.ArgumentParser, a,
                        names: str | None) -> Narrowing:
    """Check and convert what add_narrowing_args() parsed (ap.error()s)."""
    try:
        cpus = [int(c) for c in split(opt(a.cpus))] or None
    except ValueError as e:
        ap.error(f"--cpus: {e}")
    if cpus and any(c < 1 or c > 255 for c in cpus):
        ap.error("--cpus: counts must be 1..255")
    given = {}
    for s in SWITCHES:
        val = opt(getattr(a, f"switch_{s.name}"))
        if val and val not in s.values:
            ap.error(f"{s.name}={val}: want one of {'|'.join(s.values)}")
        if val:
            given[s.name] = val
    return Narrowing(split(opt(names)) or None, cpus, given)


def main() -> int:
    print(f"design switches ({os.path.relpath(SWITCHES_MK)}):")
    for s in SWITCHES:
        print(f"  {s.name}={'|'.join(s.values)}  (default {s.default})")
    print("test-only switches that break a protocol on purpose (=1):")
    for b, text in BROKEN.items():
        print(f"  {b}: {text}")
    print(f"{len(ALL_CONFIGS)} configurations; default {DEFAULT_CONFIG}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
