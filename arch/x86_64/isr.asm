; arch/x86_64/isr.asm - entry stubs for all 256 IDT vectors.
;
; Each stub makes the stack look the same (an error code, real or a 0, and
; the vector number), then jumps to the common path, which saves every
; general-purpose register as a struct trap_frame (asm/trapframe.h) and
; calls trap_dispatch(frame).  The frame is 22 quadwords, a multiple of 16
; bytes, so the C code starts with the stack aligned as the ABI requires
; (the CPU aligns RSP to 16 before pushing its part in 64-bit mode).

bits 64
%include "arch/x86_64/trapframe.inc"
section .text
extern trap_dispatch

%assign i 0
%rep 256
isr_stub_%+i:
%if i = 8 || (i >= 10 && i <= 14) || i = 17 || i = 21 || i = 29 || i = 30
    ; the CPU pushed an error code
%else
    push 0
%endif
    push i
    jmp isr_common
%assign i i + 1
%endrep

isr_common:
    ; First, a known RFLAGS.  Delivery through an interrupt gate clears IF,
    ; TF and NT but keeps the interrupted context's AC, and a user sets AC
    ; at will (POPF at CPL 3); at CPL 0 AC switches SMAP off, so every
    ; handler, and every thread it switches to, would run with user memory
    ; open.  clac is the natural instruction, but it is #UD on a CPU
    ; without SMAP and nested KVM has failed to emulate its twin stac
    ; (uaccess.asm); popfq of a constant works everywhere and clears DF in
    ; the same stroke (the C code needs it clear).  IRETQ restores the
    ; interrupted AC, so a uaccess copy that is interrupted goes on open.
    push qword 2                        ; bit 1 is reserved and reads as 1
    popfq
    ; From ring 3, GS still holds the user's base: swap in the kernel's
    ; (the percpu pointer).  [rsp + 24] is the saved CS.  NMI, #DF and #MC
    ; can also arrive in kernel code between a syscall and its swapgs, so
    ; they decide by the GS base itself (kernel addresses are negative).
    cmp qword [rsp], 2
    je .paranoid
    cmp qword [rsp], 8
    je .paranoid
    cmp qword [rsp], 18
    je .paranoid
    test qword [rsp + 24], 3
    jnz .swap
    ; From ring 0, GS is the kernel's, with one exception: a fault raised
    ; by the IRETQ back to ring 3 (iret_to_user), which runs after the exit
    ; path's swapgs.  The CPU reports it at CPL 0 with the user's GS still
    ; loaded, so without this the handler would read the per-CPU area
    ; through the user's base, fault again and double-fault.  trap_dispatch
    ; recognises the RIP too and ends the process (bad_iret_kill).
    ; [rsp + 16] is the saved RIP.
    push rax
    lea rax, [rel iret_to_user]
    cmp [rsp + 24], rax                 ; the saved RIP, one push further
    pop rax
    jne .gs_ok
.swap:
    swapgs
    jmp .gs_ok
.paranoid:
    push rax
    push rcx
    push rdx
    mov ecx, 0xc0000101                 ; MSR_GS_BASE
    rdmsr
    test edx, edx                       ; high half negative: kernel base
    js .paranoid_ok
    swapgs
    ; remember to swap back: mark the saved vector (bit 63)
    bts qword [rsp + 24], 63
.paranoid_ok:
    pop rdx
    pop rcx
    pop rax
.gs_ok:
    PUSH_GPRS
    mov rdi, rsp
    call trap_dispatch
global isr_return
isr_return:
    POP_GPRS
    bt qword [rsp], 63                  ; paranoid entry swapped GS: undo
    jc .swap_back
    add rsp, 16                         ; vector and error code
    test qword [rsp + 8], 3             ; back to ring 3: give back the user GS
    jnz return_to_user
    iretq                               ; back to kernel code
.swap_back:
    add rsp, 16
    swapgs
    iretq

; The one way back to ring 3 (interrupts, exceptions, system calls and the
; first entry of a thread all end here), so that the entry code above has a
; single IRETQ to recognise.  Interrupts are off, and the IRET frame is on
; the stack.
global return_to_user, iret_to_user
return_to_user:
    swapgs
iret_to_user:
    iretq

section .rodata
global isr_stub_table
isr_stub_table:
%assign i 0
%rep 256
    dq isr_stub_%+i
%assign i i + 1
%endrep
