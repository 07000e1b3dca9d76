; arch/x86_64/uaccess.asm - the only kernel code that touches user memory.
;
; Each routine opens user access with stac (SMAP), copies, and closes it
; with clac.  The instruction that may fault on a bad user address has an
; exception-table entry (section .extable: faulting RIP, fixup RIP); the
; #PF handler first tries to fault the page in (demand paging), and only if
; that fails resumes at the fixup, which reports how much was not copied.
; The caller has already checked that the range lies in user space.

bits 64
section .text

; uint64_t __copy_user(void *dst, const void *src, uint64_t n)
; Return: bytes NOT copied (0 on success).
global __copy_user
__copy_user:
    mov rcx, rdx
    stac
.copy:
    rep movsb                           ; on a fault RCX = bytes left
    clac
    xor eax, eax
    ret
.copy_fault:
    clac
    mov rax, rcx
    ret

; int64_t __strncpy_user(char *dst, const char *src, uint64_t n)
; Copy up to n bytes, stopping after a NUL.  Return: length without the
; NUL, n if no NUL was found within n bytes, -1 on a fault.
global __strncpy_user
__strncpy_user:
    xor eax, eax
    stac
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
    clac
    ret
.str_fault:
    clac
    mov rax, -1
    ret

section .extable
align 8
    dq __copy_user.copy, __copy_user.copy_fault
    dq __strncpy_user.load, __strncpy_user.str_fault
