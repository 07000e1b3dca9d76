#!/usr/bin/env python3
"""scripts/lint.py - `make lint`: the arch boundary and the house style.

Generic code (kernel/ and mm/) reaches the machine only through the arch
interface listed in arch/x86_64/include/asm/arch.h.  This check fails when a
C file or header there
  - contains inline assembly (`__asm__`, `asm(`, `asm volatile`);
  - spells an x86 detail: control registers (`read_cr3`, `write_cr4`...),
    MSRs (`rdmsr`, `wrmsr`, `MSR_*`), `EFER`, port I/O (`inb`, `outl`...),
    `rdtsc`, trap-frame registers (`->rip`, `->rflags`, `->error_code`...),
    page-table bits (`_PAGE_*`), or `swapgs`/`invlpg`/`cpuid`;
  - includes an asm/ header that is not part of the interface;
and, for every C file and header in arch/, kernel/, mm/, lib/, tests/kernel/
and bench/kernel/, when it does not open with a header comment naming what
it is, or when it tests a build switch (`#ifdef CONFIG_...`, `IS_ENABLED`,
`CONFIG_..._NAME`) without including kernel/config.h itself: through
another header it works until that header stops including it, and then
`#ifdef CONFIG_X_BROKEN` is silently false.

Comments and string literals are not checked for spellings: a comment may
say "CR3" to explain why.

    scripts/lint.py             check the tree (exit 1 on a violation)
    scripts/lint.py --self-test plant each violation in a sample, expect it caught
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERIC_DIRS = ("kernel", "mm")
HEADER_DIRS = ("arch", "kernel", "mm", "lib", "tests/kernel", "bench/kernel")
ARCH_INTERFACE = "arch/x86_64/include/asm/arch.h"

# (what, regular expression) - matched against code with comments and
# strings blanked out.
FORBIDDEN = [
    ("inline assembly", r"\b__asm__\b|\basm\s*(volatile\s*)?\(|\basm\s+volatile\b"),
    ("control register access", r"\b(read|write)_cr[0-9]\b"),
    ("MSR access", r"\b(rdmsr|wrmsr)\b|\bMSR_[A-Z0-9_]+\b"),
    ("EFER", r"\bEFER\w*"),
    ("port I/O", r"\b(inb|inw|inl|outb|outw|outl)\s*\("),
    ("x86 instruction", r"\b(rdtsc|rdtsc_ordered|swapgs|invlpg|cpuid)\s*\("),
    ("trap-frame register", r"(->|\.)(rip|rsp|rflags|eflags|error_code|rax|rbx|rcx|rdx|rsi|rdi|rbp|"
                            r"r8|r9|r10|r11|r12|r13|r14|r15|cs|ss)\b"),
    ("page-table bit", r"(?<![A-Za-z0-9])_PAGE_[A-Z0-9_]+"),
]
FORBIDDEN = [(what, re.compile(rx)) for what, rx in FORBIDDEN]
INCLUDE_ASM = re.compile(r'^\s*#\s*include\s+"(asm/[^"]+)"', re.M)


def strip_comments_and_strings(text: str) -> str:
    """Blank out comments and string/char literals, keeping line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def arch_interface(root: str = ROOT) -> set:
    """The asm/ headers generic code may include: those arch.h lists."""
    with open(os.path.join(root, ARCH_INTERFACE)) as f:
        return set(re.findall(r"^ \*\s+(asm/\w+\.h)\s", f.read(), re.M))


def check_generic(path: str, text: str, allowed: set) -> list:
    problems = []
    code = strip_comments_and_strings(text)
    for lineno, line in enumerate(code.split("\n"), 1):
        for what, rx in FORBIDDEN:
            m = rx.search(line)
            if m:
                problems.append(f"{path}:{lineno}: {what} in generic code: '{m.group(0).strip()}'")
    for m in INCLUDE_ASM.finditer(text):
        if m.group(1) not in allowed:
            lineno = text.count("\n", 0, m.start()) + 1
            problems.append(f"{path}:{lineno}: includes {m.group(1)}, which is not in the arch "
                            f"interface ({ARCH_INTERFACE})")
    return problems


def check_header_comment(path: str, text: str) -> list:
    first = text.lstrip("\n")[:400]
    name = os.path.basename(path)
    if not first.startswith("/*") or name not in first.split("*/")[0]:
        return [f"{path}:1: no header comment naming the file ({name}) and what it is"]
    return []


USES_CONFIG = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif)\b.*\bCONFIG_\w+|\bIS_ENABLED\w*|\bCONFIG_\w+_NAME\b",
                         re.M)
INCLUDES_CONFIG = re.compile(r'^\s*#\s*include\s+"kernel/config\.h"', re.M)


def check_config_include(path: str, text: str) -> list:
    if path == "kernel/config.h" or INCLUDES_CONFIG.search(text):
        return []
    m = USES_CONFIG.search(strip_comments_and_strings(text))
    if not m:
        return []
    lineno = text.count("\n", 0, m.start()) + 1
    return [f"{path}:{lineno}: tests a build switch without #include \"kernel/config.h\""]


def source_files(root: str, dirs) -> list:
    found = []
    for d in dirs:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    found.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(found)


def lint_tree(root: str = ROOT) -> list:
    allowed = arch_interface(root)
    problems = []
    for path in source_files(root, HEADER_DIRS):
        with open(os.path.join(root, path)) as f:
            text = f.read()
        problems += check_header_comment(path, text)
        problems += check_config_include(path, text)
        if path.split("/")[0] in GENERIC_DIRS:
            problems += check_generic(path, text, allowed)
    return problems


def self_test() -> int:
    """Each forbidden spelling, planted in a clean sample, must be caught;
    the same spellings in comments and strings must not."""
    allowed = {"asm/cpu.h"}
    clean = '/*\n * kernel/x.c - a sample.  CR3, EFER and _PAGE_RW in a comment are fine.\n */\n' \
            '#include "asm/cpu.h"\nstatic const char *s = "__asm__ rdmsr(";\n' \
            'int f(struct frame *p) { return p->ripple + MM_PAGE_H; }\n'
    planted = [
        '__asm__ volatile("hlt");', 'asm volatile("pause");', 'asm("nop");',
        'x = read_cr2();', 'write_cr4(v);', 'v = rdmsr(0x10);', 'wrmsr(1, 2);', 'v = MSR_EFER;',
        'if (e & EFER_NXE) {}', 'outl(0xf4, 1);', 'c = inb(0x3f8);', 't = rdtsc();',
        'return f->rip;', 'if (f->rflags & 512) {}', 'e = f->error_code;', 'r = frame.rax;',
        'pte |= _PAGE_PRESENT;', '#include "asm/apic.h"',
    ]
    failures = []
    if check_generic("kernel/x.c", clean, allowed) or check_header_comment("kernel/x.c", clean):
        failures.append("the clean sample was flagged: " +
                        "; ".join(check_generic("kernel/x.c", clean, allowed)))
    for bad in planted:
        if not check_generic("kernel/x.c", clean + bad + "\n", allowed):
            failures.append(f"not caught: {bad}")
    if not check_header_comment("kernel/x.c", "#include <stdint.h>\n"):
        failures.append("a file without a header comment was not caught")
    switch_use = clean + "#ifdef CONFIG_SPF_BROKEN\n#endif\n"
    if not check_config_include("mm/x.c", switch_use):
        failures.append("a switch tested without kernel/config.h was not caught")
    if check_config_include("mm/x.c", '#include "kernel/config.h"\n' + switch_use):
        failures.append("a switch tested with kernel/config.h was flagged")
    if "asm/pgtable.h" not in arch_interface():
        failures.append(f"could not read the interface list from {ARCH_INTERFACE}")
    for f in failures:
        print(f"lint self-test: {f}")
    print(f"lint self-test: {len(planted) + 5 - len(failures)} of {len(planted) + 5} checks behave")
    return 1 if failures else 0


def main(argv) -> int:
    if argv[1:] == ["--self-test"]:
        return self_test()
    if argv[1:]:
        print(__doc__)
        return 2
    problems = lint_tree()
    for p in problems:
        print(p)
    if problems:
        print(f"lint: {len(problems)} problem(s)")
        return 1
    print(f"lint: arch boundary, header comments and switch includes OK ({len(source_files(ROOT, HEADER_DIRS))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
