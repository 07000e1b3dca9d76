#!/usr/bin/env python3
"""check-percpu.py - check the built kernel's machine code for per-CPU
updates that a migration can split, and for the x2APIC ICR fence.

1. Per-CPU counts.  `this_cpu()->preempt_count++` compiles to two steps:
   load this CPU's area pointer (`mov %gs:0x0,%rax`), then add through it
   (`addl $0x1,0x28(%rax)`).  An interrupt between them can preempt the
   thread and migrate it, and the add lands on the CPU it left.  The counts
   must be updated by one %gs-relative instruction (`addl $0x1,%gs:0x28`,
   kernel/percpu.h's this_cpu_*()).  This check fails when any instruction
   writes one of the counted fields (offsets from the image's absolute
   percpu_off_<field> symbols, arch/x86_64/percpu_offsets.c) through a
   register that holds the %gs:0 pointer (followed through register moves
   within the function; a call ends what caller-saved registers held).
   It also fails when the image has too few %gs-relative updates of the
   preemption count: a check that finds no sites proves nothing.
   TCG delivers interrupts only between translation blocks, so a run-time
   test rarely hits the window between the two instructions; this cannot
   pass by luck.

2. x2APIC IPIs.  A WRMSR to the x2APIC ICR (MSR 0x830) is not serializing:
   every such WRMSR must be preceded by `mfence; lfence` (arch/x86_64/apic.c).

    scripts/check-percpu.py KERNEL.elf   check an image (exit 1 on a violation)
    scripts/check-percpu.py --self-test  the checks against planted samples
"""
import re
import subprocess
import sys

# Counted fields: updated with preemption on, or read by code that decides
# about preemption and quiescent states.
COUNTED = ("preempt_count", "irq_nesting", "ticks", "ipis_sent", "ipis_received")
MIN_PREEMPT_SITES = 5
ICR_MSR = 0x830

REG64 = {}
for r in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp"):
    for alias in ("r" + r, "e" + r, r, r[0] + "l" if r[1] == "x" else r + "l"):
        REG64[alias] = "r" + r
for n in range(8, 16):
    for suf in ("", "d", "w", "b"):
        REG64["r%d%s" % (n, suf)] = "r%d" % n
CALLER_SAVED = {"rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11"}
RMW = re.compile(r"^(add|sub|inc|dec|or|and|xor|neg|not|xadd|cmpxchg|adc|sbb|mov)[bwlq]?$")
FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(.*)$")


def split_operands(ops: str):
    """AT&T operands, split on the commas outside parentheses."""
    out, depth, cur = [], 0, ""
    for ch in ops:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse(disasm: str):
    """Yield (function, address, mnemonic, [operands]) from objdump -d output."""
    func = "?"
    for line in disasm.splitlines():
        m = FUNC.match(line)
        if m:
            func = m.group(1)
            yield func, None, None, None
            continue
        m = INSN.match(line)
        if not m:
            continue
        text = m.group(2).split("#")[0].strip()
        parts = text.split(None, 1)
        if not parts:
            continue
        mnem = parts[0]
        if mnem in ("lock", "rep", "repz", "repnz", "notrack", "bnd") and len(parts) > 1:
            parts = parts[1].split(None, 1)
            mnem = parts[0]
        ops = split_operands(parts[1]) if len(parts) > 1 else []
        yield func, m.group(1), mnem, ops


def reg_of(op: str):
    return REG64.get(op[1:]) if op.startswith("%") else None


def check(disasm: str, offsets: dict):
    """Return (violations, number of %gs-relative preempt-count updates)."""
    counted = {offsets[f]: f for f in COUNTED if f in offsets}
    self_off = offsets.get("self", 0)
    pc_regs = set()         # registers holding this CPU's area pointer
    fence = None            # "m" after mfence, "ml" after mfence; lfence
    ecx_val = None
    violations, preempt_sites = [], 0
    gs_rmw = re.compile(r"^%%gs:0x%x$" % offsets["preempt_count"])
    for func, addr, mnem, ops in parse(disasm):
        if addr is None:            # a new function: nothing carried over
            pc_regs, fence, ecx_val = set(), None, None
            continue
        dest = ops[-1] if ops else None
        # The ICR fence: mfence then lfence, with no store or call
        # between them and the WRMSR to MSR 0x830.
        if mnem == "wrmsr":
            if ecx_val == ICR_MSR and fence != "ml":
                violations.append("%s+%s: x2APIC ICR write without mfence; lfence before it" % (func, addr))
        if mnem.startswith("mov") and len(ops) == 2 and reg_of(ops[1]) == "rcx":
            m = re.match(r"^\$0x([0-9a-f]+)$", ops[0])
            ecx_val = int(m.group(1), 16) if m else None
        elif dest and reg_of(dest) == "rcx" and mnem != "wrmsr":
            ecx_val = None
        if mnem == "mfence":
            fence = "m"
        elif mnem == "lfence":
            fence = "ml" if fence == "m" else None
        elif mnem.startswith("call") or (RMW.match(mnem) and dest and "(" in dest):
            fence = None
        # Updates of the counted fields.
        if RMW.match(mnem) and dest and gs_rmw.match(dest) and not mnem.startswith("mov"):
            preempt_sites += 1
        if RMW.match(mnem) and dest:
            m = re.match(r"^(-?0x[0-9a-f]+|-?\d+)?\((%\w+)\)$", dest)
            if m and reg_of(m.group(2)) in pc_regs:
                off = int(m.group(1), 0) if m.group(1) else 0
                if off in counted:
                    violations.append("%s+%s: %s %s updates this CPU's %s through a pointer to its "
                                      "area, not in one %%gs-relative instruction"
                                      % (func, addr, mnem, ",".join(ops), counted[off]))
        # Follow the area pointer through registers.
        if mnem.startswith("call"):
            pc_regs -= CALLER_SAVED
            continue
        if not dest or reg_of(dest) is None:
            continue
        d = reg_of(dest)
        if mnem == "mov" and len(ops) == 2 and ops[0] == "%%gs:0x%x" % self_off:
            pc_regs.add(d)
        elif mnem == "mov" and len(ops) == 2 and reg_of(ops[0]) in pc_regs:
            pc_regs.add(d)
        elif not mnem.startswith(("cmp", "test", "push")):
            pc_regs.discard(d)
    return violations, preempt_sites


def image_offsets(elf: str) -> dict:
    out = subprocess.run(["nm", elf], check=True, capture_output=True, text=True).stdout
    offs = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].startswith("percpu_off_"):
            offs[parts[2][len("percpu_off_"):]] = int(parts[0], 16)
    return offs


def check_image(elf: str) -> int:
    offs = image_offsets(elf)
    missing = [f for f in ("self",) + COUNTED if f not in offs]
    if missing:
        print("check-percpu: %s lacks percpu_off_%s (arch/x86_64/percpu_offsets.c)" % (elf, missing[0]))
        return 1
    disasm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], check=True,
                            capture_output=True, text=True).stdout
    violations, sites = check(disasm, offs)
    for v in violations:
        print("check-percpu: " + v)
    if sites < MIN_PREEMPT_SITES:
        print("check-percpu: only %d %%gs-relative updates of preempt_count in %s (expected at least %d)"
              % (sites, elf, MIN_PREEMPT_SITES))
        return 1
    return 1 if violations else 0


# ---- self-test: the old preempt_disable(), the fixed one, the ICR ----------
OFFS = {"self": 0, "preempt_count": 0x28, "irq_nesting": 0x2c,
        "ticks": 0x40, "ipis_sent": 0x48, "ipis_received": 0x50}
HEAD = "ffffffff80100000 <%s>:\n"
GOOD = HEAD % "good" + "".join("ffffffff8010000%d:\taddl   $0x1,%%gs:0x28\n" % i for i in range(6)) + """\
ffffffff80100010:\tmov    %gs:0x0,%rax
ffffffff80100018:\tmov    0x28(%rax),%edx
ffffffff80100020:\tmov    %rdx,%rax
ffffffff80100024:\taddl   $0x1,0x28(%rax)
ffffffff80100028:\tdecl   %gs:0x28
"""
OLD_PREEMPT = HEAD % "old_preempt_disable" + """\
ffffffff80100000:\tmov    %gs:0x0,%rax
ffffffff80100009:\taddl   $0x1,0x28(%rax)
"""
OLD_VIA_COPY = HEAD % "old_copy" + """\
ffffffff80100000:\tmov    %gs:0x0,%rbx
ffffffff80100009:\tmov    %rbx,%r12
ffffffff8010000c:\tcall   ffffffff80100100 <f>
ffffffff80100011:\tsubl   $0x1,0x2c(%r12)
"""
OLD_VOLATILE = HEAD % "old_stat" + """\
ffffffff80100000:\tmov    %gs:0x0,%rdx
ffffffff80100009:\tmov    0x50(%rdx),%rax
ffffffff8010000d:\tadd    $0x1,%rax
ffffffff80100011:\tmov    %rax,0x50(%rdx)
"""
ICR_OLD = HEAD % "icr_send" + """\
ffffffff80100000:\tmfence
ffffffff80100003:\tmov    $0x830,%ecx
ffffffff80100008:\tmov    %edi,%eax
ffffffff8010000a:\twrmsr
"""
ICR_NEW = HEAD % "icr_send" + """\
ffffffff80100000:\tmfence
ffffffff80100003:\tlfence
ffffffff80100006:\tmov    $0x830,%ecx
ffffffff8010000b:\tshl    $0x20,%rdx
ffffffff8010000b:\tmov    %edi,%eax
ffffffff8010000d:\twrmsr
"""
ICR_STORE_AFTER = ICR_NEW.replace("\tshl    $0x20,%rdx", "\tmovl   $0x1,0x10(%rbx)")


def self_test() -> int:
    ok = True

    def expect(name, text, n_bad):
        nonlocal ok
        v, _ = check(text, OFFS)
        if len(v) != n_bad:
            print("check-percpu self-test: %s: %d violations, expected %d: %s" % (name, len(v), n_bad, v))
            ok = False

    expect("fixed code", GOOD + ICR_NEW, 0)
    expect("old preempt_disable", GOOD + OLD_PREEMPT, 1)
    expect("through a copied register across a call", OLD_VIA_COPY, 1)
    expect("load-add-store of a statistic", OLD_VOLATILE, 1)
    expect("ICR without lfence", ICR_OLD, 1)
    expect("ICR with a store after the fences", ICR_STORE_AFTER, 1)
    if check(OLD_PREEMPT, OFFS)[1] != 0 or check(GOOD, OFFS)[1] != 7:
        print("check-percpu self-test: miscounted %gs-relative sites")
        ok = False
    print("check-percpu self-test: %s" % ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(check_image(sys.argv[1]))
