; arch/x86_64/boot.asm - the first instructions: multiboot headers, the
; 32-bit entry, boot page tables, the switch to long mode, and the jump to
; the higher half.
;
; Both boot paths arrive here in 32-bit protected mode with paging off:
;   - GRUB (multiboot2): EAX = 0x36d76289, EBX = physical address of the MBI.
;   - QEMU -kernel under qboot (multiboot1): EAX = 0x2badb002, EBX = MBI.
; The code below runs at its physical address although it is linked in the
; higher half, so every absolute reference subtracts KERNEL_VMA.
;
; Guarantees on reaching kmain(magic, info):
;   long mode, CR0.WP, EFER.NXE, interrupts off, RSP on the BSP's boot stack
;   in the higher half, the first 1 GiB of RAM mapped both at 0 (identity,
;   needed until kmain's page tables take over) and at KERNEL_VMA.

KERNEL_VMA      equ 0xffffffff80000000

MB1_MAGIC       equ 0x1badb002
MB1_FLAGS       equ (1 << 1) | (1 << 16)    ; memory info, address fields valid
MB2_MAGIC       equ 0xe85250d6

extern __kernel_start, __data_end, __bss_end
extern kmain

section .multiboot
align 8
; ---- multiboot1 header (QEMU -kernel). Address fields are physical. -------
mb1_header:
    dd MB1_MAGIC
    dd MB1_FLAGS
    dd -(MB1_MAGIC + MB1_FLAGS)
    dd mb1_header - KERNEL_VMA          ; header_addr
    dd __kernel_start - KERNEL_VMA      ; load_addr
    dd __data_end - KERNEL_VMA          ; load_end_addr
    dd __bss_end - KERNEL_VMA           ; bss_end_addr (loader zeroes up to it)
    dd boot_entry - KERNEL_VMA          ; entry_addr

; ---- multiboot2 header (GRUB). ---------------------------------------------
align 8
mb2_header:
    dd MB2_MAGIC
    dd 0                                ; architecture: i386 protected mode
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
    ; entry address tag: start here, not at the ELF's (virtual) e_entry
    align 8
    dw 3, 0
    dd 12
    dd boot_entry - KERNEL_VMA
    ; console flags tag: we have EGA text support
    align 8
    dw 4, 0
    dd 12
    dd 2
    ; end tag
    align 8
    dw 0, 0
    dd 8
mb2_header_end:

section .boot.text
bits 32
global boot_entry
boot_entry:
    cli
    cld
    mov [boot_magic - KERNEL_VMA], eax  ; keep magic and MBI for kmain
    mov [boot_mbi - KERNEL_VMA], ebx
    mov esp, boot_stack_top - KERNEL_VMA

    ; Long mode needs CPUID leaf 0x80000001 with the LM bit.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode

    ; Boot page tables: PML4[0] and PML4[511] -> two PDPTs sharing one PD
    ; that maps the first 1 GiB with 2 MiB pages.  PML4[0] is the identity
    ; map this code keeps running on; PML4[511]/PDPT[510] is KERNEL_VMA.
    mov eax, boot_pdpt_low - KERNEL_VMA
    or eax, 0x3                         ; present | writable
    mov [boot_pml4 - KERNEL_VMA], eax
    mov eax, boot_pdpt_high - KERNEL_VMA
    or eax, 0x3
    mov [boot_pml4 - KERNEL_VMA + 511 * 8], eax
    mov eax, boot_pd - KERNEL_VMA
    or eax, 0x3
    mov [boot_pdpt_low - KERNEL_VMA], eax
    mov [boot_pdpt_high - KERNEL_VMA + 510 * 8], eax
    mov edi, boot_pd - KERNEL_VMA
    mov eax, 0x83                       ; present | writable | 2 MiB page
    mov ecx, 512
.fill_pd:
    mov [edi], eax
    mov dword [edi + 4], 0
    add eax, 0x200000
    add edi, 8
    loop .fill_pd

    ; CR4.PAE, CR3, EFER.LME|NXE, then CR0.PG|WP turns long mode on.
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, boot_pml4 - KERNEL_VMA
    mov cr3, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, (1 << 8) | (1 << 11)
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | 1
    mov cr0, eax

    lgdt [boot_gdt_ptr - KERNEL_VMA]
    jmp 0x08:(long_mode_low - KERNEL_VMA)

.no_long_mode:
    ; Say why on COM1 and stop: there is nothing else we can do here.
    mov esi, no_lm_msg - KERNEL_VMA
.putc:
    lodsb
    test al, al
    jz .halt
    mov dx, 0x3f8
    out dx, al
    jmp .putc
.halt:
    hlt
    jmp .halt

bits 64
long_mode_low:
    ; Still at the physical address; jump to the same code's higher-half
    ; alias so the identity map can be dropped later.
    mov rax, long_mode_high
    jmp rax

section .text
long_mode_high:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    ; The end of every backtrace of the boot CPU.  RBP = 0 ends the
    ; kernel's frame-pointer walk (oops backtraces).  A zero return address
    ; above kmain's ends gdb's: this code has no CFI, so gdb unwinds
    ; long_mode_high as a frameless function and takes the word at RSP as
    ; its caller's RIP.  With 0 there gdb's last frame is `0x0 in ?? ()`
    ; (which kernel.py's frame filter hides) instead of whatever lies past
    ; the stack.  Two words keep RSP 16-byte aligned at the call (SysV).
    xor rbp, rbp
    push rbp
    push rbp
    ; kmain(magic, mbi_phys): the SysV argument registers.
    mov edi, [boot_magic]
    mov esi, [boot_mbi]
    call kmain
    ; kmain does not return.  No label on the return address: gdb would
    ; name the caller's frame after it (`long_mode_high[hang]`).
    cli
.hang:
    hlt
    jmp .hang

section .rodata
no_lm_msg: db "boot: this CPU has no long mode (x86-64); halting", 13, 10, 0

section .boot.data
align 4096
boot_pml4:      times 512 dq 0
boot_pdpt_low:  times 512 dq 0
boot_pdpt_high: times 512 dq 0
boot_pd:        times 512 dq 0

; A temporary GDT: just enough for the far jump into 64-bit code.  The
; kernel installs its real GDT (with a TSS) in gdt_init().
align 16
boot_gdt:
    dq 0
    dq 0x00af9a000000ffff               ; 0x08: 64-bit code, DPL 0
    dq 0x00cf92000000ffff               ; 0x10: data, DPL 0
boot_gdt_ptr:
    dw boot_gdt_ptr - boot_gdt - 1
    dd boot_gdt - KERNEL_VMA

section .data
global boot_magic, boot_mbi
boot_magic: dd 0
boot_mbi:   dd 0

section .bss
align 4096
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    resb 16384
boot_stack_top:
