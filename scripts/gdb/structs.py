# scripts/gdb/structs.py - what the gdb helpers share to read kernel data
# structures: lists, cpumasks, the process list, constants from headers.
#
# Sourced by kernel.py (before the helpers of each area) into gdb's
# __main__ namespace, so it uses kernel.py's _sym_value/_u64/NOT_MAPPED.
#
# The invariant: nothing here knows a struct's layout.  Fields are found by
# name in the ELF's DWARF (gdb.Value[field], Type.fields()), so a field
# that moves keeps working and one that is renamed gives a clear error;
# the #define'd constants that DWARF lacks (PG_*, VM_*, KVM_VCPU_*) are
# read from the headers in this tree, not copied here.

import os
import re

import gdb

_GDB_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(_GDB_DIR))

# #define NAME (1u << N) | 0x.. | N   (trailing comments allowed)
_DEFINE_RE = re.compile(
    r"^#define\s+(\w+)\s+(?:\(\s*1u?l?\s*<<\s*(\d+)\s*\)"
    r"|\(?(0x[0-9a-fA-F]+|\d+)[uUlL]*\)?)\s*(?:/\*.*)?$")
_defines_cache = {}


def header_defines(path, prefix):
    """{NAME: value} of the `#define PREFIXxxx` constants of header @path.

    @path is relative to the repository root.  Raises gdb.GdbError naming
    the header when it cannot be read or defines nothing with @prefix.
    """
    key = (path, prefix)
    if key in _defines_cache:
        return _defines_cache[key]
    out = {}
    try:
        with open(os.path.join(ROOT, path)) as f:
            for line in f:
                m = _DEFINE_RE.match(line.strip())
                if m and m.group(1).startswith(prefix):
                    out[m.group(1)] = (1 << int(m.group(2))) if m.group(2) \
                        else int(m.group(3), 0)
    except OSError as e:
        raise gdb.GdbError("cannot read %s (%s): run gdb from the "
                           "repository the kernel was built from" % (path, e))
    if not out:
        raise gdb.GdbError("%s defines no %s* constant any more: update "
                           "scripts/gdb/structs.py's reader" % (path, prefix))
    _defines_cache[key] = out
    return out


def flag_names(value, defines, prefix):
    """`NAME|NAME` for the bits of @value named in @defines ('-' if none);
    bits no define names are shown as hex."""
    names, rest = [], value
    for name, bit in sorted(defines.items(), key=lambda kv: kv[1]):
        if bit and value & bit == bit and bin(bit).count("1") == 1:
            names.append(name[len(prefix):])
            rest &= ~bit
    if rest:
        names.append("%#x" % rest)
    return "|".join(names) if names else "-"


def need(name):
    """The kernel symbol @name, or a gdb.GdbError saying it is missing."""
    v = _sym_value(name)
    if v is None:
        raise gdb.GdbError("symbol %s not found: is this kernel.elf the one "
                           "QEMU runs (same configuration)?" % name)
    return v


def field(value, name):
    """@value[@name], or a clear error naming the struct and the field."""
    try:
        return value[name]
    except gdb.error:
        raise gdb.GdbError("%s has no field '%s' any more: update "
                           "scripts/gdb" % (value.type, name))


def check_started():
    """Raise a clear error when the kernel is not far enough into boot for
    the structures the helpers read (thread_list and friends)."""
    try:
        nr = int(need("nr_cpus_possible"))
        gdb.parse_and_eval("percpu_area[0].curr").fetch_lazy()
    except gdb.MemoryError:
        raise gdb.GdbError(NOT_MAPPED)
    if nr == 0:
        raise gdb.GdbError("the kernel has not set up its CPUs yet "
                           "(nr_cpus_possible is 0): stop it later, e.g. "
                           "`break monitor_run` and continue")


def member_offset(struct_type, member):
    for f in struct_type.strip_typedefs().fields():
        if f.name == member:
            return f.bitpos // 8
    raise gdb.GdbError("%s has no member %s" % (struct_type, member))


def list_for_each_entry(head, type_name, member, limit=100000):
    """Yield the entries (gdb.Value of struct @type_name) of the list_head
    @head (a gdb.Value of struct list_head), linked through @member."""
    t = gdb.lookup_type(type_name)
    off = member_offset(t, member)
    ptr_t = t.pointer()
    first = _u64(head.address)
    node = head["next"]
    n = 0
    while _u64(node) != first:
        if _u64(node) == 0 or n >= limit:
            raise gdb.GdbError("list at %#x is broken (NULL or a cycle "
                               "after %d entries)" % (first, n))
        yield gdb.Value(_u64(node) - off).cast(ptr_t).dereference()
        node = node["next"]
        n += 1


def cpumask_cpus(mask, nr):
    """The CPU numbers < @nr set in @mask (a cpumask_t value)."""
    bits = mask["bits"]
    word = bits[0].type.sizeof * 8
    return [c for c in range(nr) if int(bits[c // word]) >> (c % word) & 1]


def cpu_list(cpus):
    return ",".join(str(c) for c in cpus) if cpus else "-"


def nr_cpus():
    check_started()
    return int(need("nr_cpus_possible"))


def processes():
    """Yield each struct process of process_list."""
    return list_for_each_entry(need("process_list"), "struct process", "node")


def c_string(chars):
    return chars.string(errors="replace", length=-1).split("\0", 1)[0]


def mm_owner(mm_addr):
    """`pid NAME` of the process whose mm is at @mm_addr, or ''."""
    if not mm_addr:
        return ""
    try:
        for p in processes():
            if _u64(p["mm"]) == mm_addr:
                return "%d %s" % (int(p["pid"]), c_string(p["name"]))
    except gdb.GdbError:
        pass
    return ""


def find_process(pid):
    for p in processes():
        if int(p["pid"]) == pid:
            return p
    return None


def parse_int_arg(text, what, usage):
    try:
        return int(gdb.parse_and_eval(text))
    except (gdb.error, ValueError):
        raise gdb.GdbError("%s: '%s' is not a number\nusage: %s"
                           % (what, text, usage))


class KernelCommand(gdb.Command):
    """Base of the helpers: a user command named @name whose run(args)
    reads kernel memory.  A helper that takes no arguments refuses some
    (NO_ARGS); an unreadable address becomes the NOT_MAPPED hint, not a
    Python traceback."""

    NO_ARGS = False

    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_USER)
        self.cmd_name = name

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if self.NO_ARGS and args:
            raise gdb.GdbError("usage: %s (no arguments)" % self.cmd_name)
        try:
            self.run(args)
        except gdb.MemoryError:
            raise gdb.GdbError(NOT_MAPPED)
        except gdb.error as e:
            # A value of an unexpected type: a kernel struct has changed.
            raise gdb.GdbError("%s: %s (has a kernel struct changed? "
                               "update scripts/gdb)" % (self.cmd_name, e))

    def run(self, args):
        raise NotImplementedError
