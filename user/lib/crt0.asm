; user/lib/crt0.asm - the process entry point.
;
; Entry ABI (the kernel's side of it is in user/README.md): the kernel
; jumps to the ELF entry, _start, with RSP pointing at
;     [rsp]        argc                 (8 bytes)
;     [rsp+8]      argv[0] .. argv[argc-1]  (pointers)
;     [rsp+8+8*argc] NULL
;     then envp[0] .. envp[envc-1], NULL, and an empty auxiliary vector
; and RSP 16-byte aligned (kernel/proc/exec.c writes it).  Other registers are undefined (RBP is cleared
; here to end gdb's backtraces).  _start realigns RSP anyway, so an entry
; stack that is only 8-byte aligned still works.

bits 64
section .text
global _start
extern __libc_start

_start:
	xor	ebp, ebp		; outermost frame
	mov	rdi, [rsp]		; argc
	lea	rsi, [rsp + 8]		; argv
	mov	rdx, rsp		; the initial stack pointer: marks the main stack
	and	rsp, -16		; ABI: RSP 16-byte aligned at a call
	call	__libc_start		; never returns: exit(main(argc, argv, envp))
	ud2

section .note.GNU-stack noalloc noexec nowrite progbits
