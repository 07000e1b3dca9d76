; arch/x86_64/fault_catch.asm - save/resume points for expected kernel
; faults (see asm/fault_catch.h).  The order of saved registers matches
; struct fault_catch.regs.

bits 64
section .text

global fault_catch_enter
fault_catch_enter:                      ; rdi = struct fault_catch *
    mov [rdi + 0], rbx
    mov [rdi + 8], rbp
    mov [rdi + 16], r12
    mov [rdi + 24], r13
    mov [rdi + 32], r14
    mov [rdi + 40], r15
    lea rax, [rsp + 8]                  ; the caller's RSP after we return
    mov [rdi + 48], rax
    mov rax, [rsp]                      ; our return address
    mov [rdi + 56], rax
    pushfq
    pop rax
    mov [rdi + 64], rax
    xor eax, eax
    ret

global fault_catch_resume
fault_catch_resume:                     ; rdi = struct fault_catch *
    mov rbx, [rdi + 0]
    mov rbp, [rdi + 8]
    mov r12, [rdi + 16]
    mov r13, [rdi + 24]
    mov r14, [rdi + 32]
    mov r15, [rdi + 40]
    mov rsp, [rdi + 48]
    push qword [rdi + 64]
    popfq                               ; interrupt flag as it was at enter
    mov eax, 1
    jmp [rdi + 56]
