# user/user.mk - the user programs and their libc, included by the top-level
# Makefile (paths relative to the repository root, where make runs).
#
# Needs from the includer: BUILD, CC, NASM, OBJCOPY (and Q for quiet output).
# Gives:
#   USER_PROGRAMS_OBJ   $(BUILD)/user/programs.o: every program embedded in
#                       .rodata (table user_programs, see user/programs.h);
#                       the kernel link adds it
#   USER_PROGRAMS       program names: user/bin/<name>.c -> $(BUILD)/user/<name>
#   make user           builds them all (and programs.o)
#
# Layout under $(BUILD)/user/: obj/<source path>.o (+ .d), libc.a, crt0.o,
# <name> (the program, with debug info: use it in gdb), embed/<name> (the
# same, debug info stripped: what goes into the kernel), programs.S/.o.
# Static pattern rules only, so the kernel's $(BUILD)/%.o rules never apply.
# Every variable here is USER_-prefixed.

USER_SAVED_GOAL := $(.DEFAULT_GOAL)

NASM    ?= nasm
OBJCOPY ?= objcopy

USER_BUILD := $(BUILD)/user
USER_OBJ   := $(USER_BUILD)/obj

# -mgeneral-regs-only: no SSE/x87 in user code until the kernel saves and
# restores FPU state (fxsave/xsave) across switches; drop it then.
USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-fno-stack-protector -fno-pic -fno-pie -mgeneral-regs-only \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-Iuser/include -I. -MMD -MP
USER_NASMFLAGS := -f elf64 -g -F dwarf
USER_LDFLAGS := -static -nostdlib -no-pie -Wl,-T,user/linker.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none

# The libc: user/lib plus the kernel's own freestanding string and printf.
USER_LIBC_SRCS := $(sort $(wildcard user/lib/*.c)) lib/string.c lib/printf.c
USER_LIBC_OBJS := $(USER_LIBC_SRCS:%.c=$(USER_OBJ)/%.o)
USER_LIBC      := $(USER_BUILD)/libc.a
USER_CRT0      := $(USER_BUILD)/crt0.o

USER_PROGRAMS  := $(sort $(basename $(notdir $(wildcard user/bin/*.c))))
USER_PROG_OBJS := $(USER_PROGRAMS:%=$(USER_OBJ)/user/bin/%.o)
USER_BINS      := $(USER_PROGRAMS:%=$(USER_BUILD)/%)
USER_EMBED     := $(USER_PROGRAMS:%=$(USER_BUILD)/embed/%)
USER_PROGRAMS_S   := $(USER_BUILD)/programs.S
USER_PROGRAMS_OBJ := $(USER_BUILD)/programs.o

.PHONY: user user-force
user: $(USER_PROGRAMS_OBJ)
user-force:

$(USER_LIBC_OBJS) $(USER_PROG_OBJS): $(USER_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_CRT0): user/lib/crt0.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(USER_NASMFLAGS) -MD $@.d -MT $@ $< -o $@

$(USER_LIBC): $(USER_LIBC_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# crt0 first; the archive gives each program only what it uses.
$(USER_BINS): $(USER_BUILD)/%: $(USER_OBJ)/user/bin/%.o $(USER_CRT0) $(USER_LIBC) user/linker.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $(USER_CRT0) $< $(USER_LIBC) -lgcc

$(USER_EMBED): $(USER_BUILD)/embed/%: $(USER_BUILD)/%
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --strip-debug $< $@

# Rewritten only when the list of programs changes.
$(USER_PROGRAMS_S): user/gen-programs.sh user-force
	@mkdir -p $(dir $@)
	$(Q)sh user/gen-programs.sh $(USER_BUILD)/embed $(USER_PROGRAMS) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(USER_PROGRAMS_OBJ): $(USER_PROGRAMS_S) $(USER_EMBED)
	@echo "  AS      $@ ($(words $(USER_PROGRAMS)) programs)"
	$(Q)$(CC) -c $< -o $@

.SECONDARY: $(USER_LIBC_OBJS) $(USER_PROG_OBJS)

-include $(USER_LIBC_OBJS:.o=.d) $(USER_PROG_OBJS:.o=.d) $(USER_CRT0).d

# Do not let this fragment's rules become the including Makefile's default.
.DEFAULT_GOAL := $(USER_SAVED_GOAL)
