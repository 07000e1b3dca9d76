#!/usr/bin/env python3
"""scripts/tests/test_qemuaccel.py - KVM or TCG (qemuaccel.py).

The PVM check on fake /proc/cpuinfo and /sys/module trees (the
development machines' kvm_pvm, a CPU without vmx/svm, real VT-x and
AMD-V, an unreadable cpuinfo), and what auto, kvm and tcg choose on each,
with the KVM probe replaced by a stand-in that records whether it ran.
No QEMU is started.
"""

import os
import tempfile
import unittest

import harness

import qemuaccel

# The flags lines of the hosts met so far, cut short.
PVM_HOST = ("fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge cmov "
            "pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm "
            "constant_tsc rep_good nopl cpuid pni pclmulqdq ssse3 cx16 "
            "sse4_1 sse4_2 x2apic popcnt aes xsave avx hypervisor lahf_lm")
INTEL_VTX = PVM_HOST + " vmx ept vpid"
AMD_V = PVM_HOST + " svm npt"


class FakeHost:
    """A temporary /proc/cpuinfo, /sys/module and /dev/kvm."""

    def __init__(self, flags: str | None, modules=(), kvm: bool = True):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        self.cpuinfo = os.path.join(d, "cpuinfo")
        if flags is not None:
            with open(self.cpuinfo, "w") as f:
                for cpu in range(2):
                    f.write(f"processor\t: {cpu}\nvendor_id\t: X\n"
                            f"flags\t\t: {flags}\nbugs\t\t: spectre_v1\n\n")
        self.sys_module = os.path.join(d, "module")
        for m in ("kvm", *modules):
            os.makedirs(os.path.join(self.sys_module, m))
        self.dev_kvm = os.path.join(d, "kvm")
        if kvm:
            open(self.dev_kvm, "w").close()
        self.probed = 0

    def probe(self, ok=True):
        def run():
            self.probed += 1
            return ok, "probe " + ("succeeded" if ok else "failed")
        return run

    def choose(self, accel, ok=True):
        return qemuaccel.choose_accel(accel, self.dev_kvm, self.cpuinfo,
                                      self.sys_module, self.probe(ok))


class DetectPvm(unittest.TestCase):
    def test_kvm_pvm_module(self):
        h = FakeHost(INTEL_VTX, modules=["kvm_pvm"])
        why = qemuaccel.detect_pvm(h.cpuinfo, h.sys_module)
        self.assertEqual(why, f"{h.sys_module}/kvm_pvm exists")

    def test_no_vmx_or_svm(self):
        h = FakeHost(PVM_HOST)
        self.assertEqual(qemuaccel.detect_pvm(h.cpuinfo, h.sys_module),
                         f"no vmx or svm flag in {h.cpuinfo}")

    def test_hardware_virtualization(self):
        for flags in (INTEL_VTX, AMD_V):
            h = FakeHost(flags)
            self.assertIsNone(qemuaccel.detect_pvm(h.cpuinfo, h.sys_module))
            self.assertTrue({"vmx", "svm"} & qemuaccel.cpu_flags(h.cpuinfo))

    def test_unreadable_cpuinfo_says_nothing(self):
        h = FakeHost(None)
        self.assertIsNone(qemuaccel.cpu_flags(h.cpuinfo))
        self.assertIsNone(qemuaccel.detect_pvm(h.cpuinfo, h.sys_module))

    def test_flags_not_substrings(self):
        # "svm" must be a word, not part of another flag.
        h = FakeHost(PVM_HOST + " svmlike vmxfoo")
        self.assertIsNotNone(qemuaccel.detect_pvm(h.cpuinfo, h.sys_module))


class Choose(unittest.TestCase):
    def test_auto_on_pvm_is_tcg_without_probing(self):
        for h in (FakeHost(PVM_HOST, modules=["kvm_pvm"]),
                  FakeHost(PVM_HOST), FakeHost(INTEL_VTX, ["kvm_pvm"])):
            accel, why, warning = h.choose("auto")
            self.assertEqual((accel, warning, h.probed), ("tcg", "", 0))
            self.assertIn("is PVM, a software hypervisor under which user "
                          "mode fails", why)

    def test_auto_with_hardware_probes(self):
        h = FakeHost(INTEL_VTX)
        self.assertEqual(h.choose("auto"), ("kvm", "probe succeeded", ""))
        self.assertEqual(h.choose("auto", ok=False),
                         ("tcg", "probe failed", ""))
        self.assertEqual(h.probed, 2)

    def test_auto_without_dev_kvm(self):
        h = FakeHost(INTEL_VTX, kvm=False)
        self.assertEqual(h.choose("auto"),
                         ("tcg", f"{h.dev_kvm} not usable", ""))
        self.assertEqual(h.probed, 0)

    def test_kvm_on_pvm_warns_and_proceeds(self):
        h = FakeHost(PVM_HOST, modules=["kvm_pvm"])
        accel, why, warning = h.choose("kvm")
        self.assertEqual((accel, why, h.probed), ("kvm", "", 0))
        for words in ("kvm_pvm (PVM)", "hardware CPL 3",
                      "shadows its page tables",
                      "stock Debian Linux 6.1 kernel does not boot",
                      "lock cmpxchg16b", "the host, not this kernel",
                      f"{h.sys_module}/kvm_pvm exists"):
            self.assertIn(words, warning)

    def test_kvm_and_tcg_as_asked(self):
        h = FakeHost(AMD_V)
        self.assertEqual(h.choose("kvm"), ("kvm", "", ""))
        self.assertEqual(h.choose("TCG"), ("tcg", "", ""))
        self.assertEqual(h.choose(""), ("kvm", "probe succeeded", ""))
        self.assertRaises(ValueError, h.choose, "xen")

    def test_args(self):
        self.assertEqual(qemuaccel.accel_args("kvm"),
                         ["-accel", "kvm", "-cpu", "host,-arch-capabilities"])
        self.assertEqual(qemuaccel.accel_args("tcg"),
                         ["-accel", "tcg,thread=multi", "-cpu", "max"])
        self.assertRaises(ValueError, qemuaccel.accel_args, "auto")


if __name__ == "__main__":
    harness.main()
