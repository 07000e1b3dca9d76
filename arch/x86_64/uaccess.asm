; arch/x86_64/uaccess.asm - the only kernel code that touches user memory.
;
; Each routine opens user access (SMAP: RFLAGS.AC), copies, and closes it.  The instruction that may fault on a bad user address has an
; exception-table entry (section .extable: faulting RIP, fixup RIP); the
; #PF handler first tries to fault the page in (demand paging), and only if
; that fails resumes at the fixup, which reports how much was not copied.
; The caller has already checked that the range lies in user space.

bits 64

; Open and close user access (SMAP) by setting and clearing RFLAGS.AC.
; stac/clac would be the natural instructions, but nested KVM on the
; development machines stops the VM with an emulation failure on stac
; ("KVM internal error"); popfq is emulated everywhere and has the same
; effect at CPL 0.
%macro USER_ACCESS_BEGIN 0
    pushfq
    or qword [rsp], 1 << 18
    popfq
%endmacro
%macro USER_ACCESS_END 0
    pushfq
    and qword [rsp], ~(1 << 18)
    popfq
%endmacro

section .text

; uint64_t __copy_user(void *dst, const void *src, uint64_t n)
; Return: bytes NOT copied (0 on success).
global __copy_user
__copy_user:
    mov rcx, rdx
    USER_ACCESS_BEGIN
.copy:
    rep movsb                           ; on a fault RCX = bytes left
    USER_ACCESS_END
    xor eax, eax
    ret
.copy_fault:
    USER_ACCESS_END
    mov rax, rcx
    ret

; int64_t __strncpy_user(char *dst, const char *src, uint64_t n)
; Copy up to n bytes, stopping after a NUL.  Return: length without the
; NUL, n if no NUL was found within n bytes, -1 on a fault.
global __strncpy_user
__strncpy_user:
    xor eax, eax
    USER_ACCESS_BEGIN
.loop:
    cmp rax, rdx
    je .done
.load:
    mov cl, [rsi + rax]
    mov [rdi + rax], cl
    test cl, cl
    jz .done
    inc rax
    jmp .loop
.done:
    USER_ACCESS_END
    ret
.str_fault:
    USER_ACCESS_END
    mov rax, -1
    ret

section .extable
align 8
    dq __copy_user.copy, __copy_user.copy_fault
    dq __strncpy_user.load, __strncpy_user.str_fault
