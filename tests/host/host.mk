# tests/host/host.mk - host unit tests of lib/, included by the top-level
# Makefile (paths are relative to the repository root, where make runs).
#
#   make host-tests    build build/host/test_<name> for each name in
#                      HOST_TEST_NAMES, run them and the self-tests of the
#                      scripts (scripts/tests/test_*.py) and the model
#                      checks (scripts/verify.py --ktap), and print ONE
#                      KTAP document: a plan, then each program's own KTAP
#                      document nested (indented four spaces) as a subtest,
#                      closed by `ok N name` / `not ok N name`; fails if any
#                      test fails.  `make test` runs it first.
#
# lib/*.c are compiled for the host with sanitizers and with
# tests/host/host_rename.h forced in, so their memcpy/snprintf/... become
# klib_memcpy/klib_snprintf/... and do not clash with the host libc.
# Dependencies are tracked (-MMD), so editing any lib/ header or source
# rebuilds exactly what uses it. Every variable here is HOST_-prefixed so
# it cannot collide with the kernel build's.

HOSTCC ?= cc
HOST_TEST_NAMES := string printf bitmap list cmdline path ldisc

HOST_BUILD := build/host
HOST_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-builtin -I. -Wall -Wextra \
	-U_FORTIFY_SOURCE -MMD -MP
HOST_LDFLAGS := -fsanitize=address,undefined
HOST_RENAME := tests/host/host_rename.h

HOST_LIB_SRCS := $(wildcard lib/*.c)
HOST_LIB_OBJS := $(patsubst lib/%.c,$(HOST_BUILD)/lib/%.o,$(HOST_LIB_SRCS))
HOST_LIB_AR := $(HOST_BUILD)/libk.a
HOST_TEST_BINS := $(addprefix $(HOST_BUILD)/test_,$(HOST_TEST_NAMES))

# Do not let this fragment's rules become the including Makefile's default.
HOST_SAVED_GOAL := $(.DEFAULT_GOAL)

# The subtests: each C test program, then each script test module, then
# the Promela models (`make verify`, scripts/verify.py --ktap: a case per
# model and variant), so that a change that breaks a model fails here.
HOST_SCRIPT_TESTS := $(sort $(wildcard scripts/tests/test_*.py))
HOST_VERIFY := scripts/verify.py
HOST_SUBTESTS = $(HOST_TEST_BINS) $(HOST_SCRIPT_TESTS) $(HOST_VERIFY)

# scripts/tests/test_gdb.py boots the default configuration's kernel.elf
# (build/rcu-ipi-vma/) under gdb: build it first, whatever switches this
# make was given (the defaults and every broken switch off, from
# scripts/switches.mk), so that the test never runs a stale image.
HOST_DEFAULT_KERNEL_VARS := $(foreach s,$(SWITCHES),$(s)=$($(s)_DEFAULT)) \
	$(foreach v,$(BROKEN_VARS),$(v)=0)

.PHONY: host-tests host-default-kernel host-test-bins
host-test-bins: $(HOST_TEST_BINS)

host-default-kernel:
	@mkdir -p $(HOST_BUILD)
	$(Q)$(MAKE) --no-print-directory $(HOST_DEFAULT_KERNEL_VARS) kernel \
		> $(HOST_BUILD)/default-kernel.log 2>&1 || \
		{ cat $(HOST_BUILD)/default-kernel.log; exit 1; }

host-tests: $(HOST_TEST_BINS) host-default-kernel
	@echo "KTAP version 1"; echo "1..$(words $(HOST_SUBTESTS))"; \
	n=0; pass=0; fail=0; skip=0; status=0; \
	for t in $(HOST_SUBTESTS); do \
		n=$$((n + 1)); log=$(HOST_BUILD)/$$(basename $$t).log; \
		case $$t in \
		$(HOST_VERIFY)) name=verify; $(PYTHON) $$t --ktap > $$log 2>&1;; \
		*.py) name=scripts.$$(basename $$t .py | sed 's/^test_//'); \
		      $(PYTHON) $$t > $$log 2>&1;; \
		*)    name=$${t#$(HOST_BUILD)/test_}; ./$$t > $$log 2>&1;; \
		esac; rc=$$?; \
		sed 's/^/    /' $$log; \
		p=$$(grep -c '^ok ' $$log); f=$$(grep -c '^not ok ' $$log); \
		s=$$(grep -c '^ok .*# SKIP' $$log); \
		pass=$$((pass + p - s)); fail=$$((fail + f)); skip=$$((skip + s)); \
		if [ $$rc -eq 0 ] && [ $$f -eq 0 ]; then echo "ok $$n $$name"; \
		else status=1; echo "# $$name: exit status $$rc"; \
			echo "not ok $$n $$name"; fi; \
	done; \
	echo "# host-tests: $$pass passed, $$fail failed, $$skip skipped"; \
	exit $$status

$(HOST_BUILD)/lib/%.o: lib/%.c $(HOST_RENAME)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -include $(HOST_RENAME) -c $< -o $@

# An archive, so each test links only the lib/ objects it uses.
$(HOST_LIB_AR): $(HOST_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HOST_BUILD)/test_%.o: tests/host/test_%.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_BUILD)/test_%: $(HOST_BUILD)/test_%.o $(HOST_LIB_AR)
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@

.SECONDARY: $(HOST_LIB_OBJS) $(HOST_TEST_BINS:=.o)

-include $(wildcard $(HOST_BUILD)/*.d $(HOST_BUILD)/lib/*.d)

.DEFAULT_GOAL := $(HOST_SAVED_GOAL)
