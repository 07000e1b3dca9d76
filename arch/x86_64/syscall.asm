; arch/x86_64/syscall.asm - the SYSCALL entry and the first entry to ring 3.
;
; SYSCALL leaves the user RIP in RCX and RFLAGS in R11, masks IF (SFMASK),
; and does not switch stacks.  We swap to the kernel GS (percpu), park the
; user RSP, load the thread's kernel stack, and build the same struct
; trap_frame an interrupt would (vector 0x100 marks a syscall), so one exit
; path (isr_return: pop, swapgs, iretq) serves both.  Returning with iretq
; rather than sysret costs a few cycles and avoids sysret's non-canonical
; RCX pitfall.

bits 64
%include "arch/x86_64/trapframe.inc"
section .text

USER_CS equ 0x2b
USER_DS equ 0x23
PERCPU_USER_RSP_SCRATCH equ 8
PERCPU_SYSCALL_STACK    equ 16

extern syscall_dispatch
extern isr_return
extern return_to_user

global syscall_entry
syscall_entry:
    swapgs
    mov [gs:PERCPU_USER_RSP_SCRATCH], rsp
    mov rsp, [gs:PERCPU_SYSCALL_STACK]
    push USER_DS                        ; ss
    push qword [gs:PERCPU_USER_RSP_SCRATCH] ; rsp
    push r11                            ; rflags
    push USER_CS                        ; cs
    push rcx                            ; rip
    push 0                              ; error code
    push 0x100                          ; "vector": a system call
    PUSH_GPRS
    xor ebp, ebp                        ; backtraces end here
    cld
    mov rdi, rsp
    sti                                 ; system calls run with IRQs on
    call syscall_dispatch
    cli
    jmp isr_return

; arch_enter_user(rip, rsp, arg): leave for ring 3 for the first time, at
; rip with the given stack and RDI = arg, every other register zero.
global arch_enter_user
arch_enter_user:
    cli
    push USER_DS                        ; ss
    push rsi                            ; rsp
    push 0x202                          ; rflags: IF
    push USER_CS                        ; cs
    push rdi                            ; rip
    mov rdi, rdx
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    jmp return_to_user                  ; swapgs (GS base: the user's, 0), iretq

; arch_iret_frame(frame): leave through a saved trap frame (fork's child:
; a copy of its parent's system-call frame) by the common exit path.
global arch_iret_frame
arch_iret_frame:
    cli
    mov rsp, rdi
    jmp isr_return
