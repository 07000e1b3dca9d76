; arch/x86_64/trampoline.asm - where an application processor starts.
;
; A STARTUP IPI with vector 0x08 starts the AP in real mode at CS:IP =
; 0x0800:0000, i.e. physical TRAMPOLINE_BASE.  smpboot.c copies the bytes
; between trampoline_start and trampoline_end there and fills in the
; parameter block at its end, one AP at a time.  The code is position-
; dependent on TRAMPOLINE_BASE only: every address is written as
; TRAMPOLINE_BASE + (label - trampoline_start).
;
; Steps: real mode -> load a tiny GDT -> PAE, EFER.LME|NXE, CR3 = the
; trampoline page tables (the kernel half plus an identity map of this
; page) -> CR0.PG|PE|WP in one write -> far jump straight into a 64-bit
; code segment -> load the AP's stack -> jump to ap_entry() in the higher
; half with the logical CPU id in RDI.

TRAMPOLINE_BASE equ 0x8000
%define TR(label) (TRAMPOLINE_BASE + (label - trampoline_start))

section .rodata
bits 16
global trampoline_start, trampoline_end, trampoline_params
align 16
trampoline_start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov ss, ax
    lgdt [TR(tramp_gdt_ptr)]

    mov eax, cr4
    or eax, (1 << 5) | (1 << 7)         ; PAE, PGE
    mov cr4, eax
    mov eax, [TR(param_cr3)]
    mov cr3, eax
    mov ecx, 0xc0000080                 ; EFER
    rdmsr
    or eax, (1 << 8) | (1 << 11)        ; LME, NXE
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | 1   ; PG, WP, PE
    mov cr0, eax
    jmp dword 0x08:TR(tramp_long)

bits 64
tramp_long:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, [TR(param_stack)]
    mov rdi, [TR(param_cpu)]
    xor ebp, ebp                        ; ends backtraces
    mov rax, [TR(param_entry)]
    jmp rax

align 16
tramp_gdt:
    dq 0
    dq 0x00af9a000000ffff               ; 0x08: 64-bit code (the CPU sets the
                                        ; accessed bits: the page must be writable)
    dq 0x00cf92000000ffff               ; 0x10: data
tramp_gdt_ptr:
    dw tramp_gdt_ptr - tramp_gdt - 1
    dd TR(tramp_gdt)

; Parameters, written by smpboot.c before each STARTUP IPI (the layout is
; struct trampoline_params there).
align 8
trampoline_params:
param_cr3:   dq 0
param_stack: dq 0
param_cpu:   dq 0
param_entry: dq 0
trampoline_end:
