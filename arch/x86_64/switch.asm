; arch/x86_64/switch.asm - the context switch.
;
; switch_context(uint64_t *prev_sp, uint64_t next_sp) saves RFLAGS and the
; callee-saved registers (the SysV ABI says the caller already saved the
; rest) on the current stack, stores RSP in *prev_sp, loads next_sp and
; pops the next thread's registers: its `ret` returns into wherever that
; thread called switch_context, or, for a new thread, into
; thread_trampoline.
;
; RFLAGS is per thread because of AC: at CPL 0 it switches SMAP off, and a
; flag left set by one thread must not open user memory to the next one.
; The entry code clears AC on every way into the kernel, so this is the
; second line of defence; it also keeps DF and the arithmetic flags out of
; the other thread's business.  (IF is the same on both sides: schedule()
; switches with interrupts off.)

bits 64
section .text

global switch_context
switch_context:
    pushfq
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    popfq
    ret

; A new thread's first instructions: thread_start(fn = r12, arg = r13),
; set up by thread_create's initial stack frame.  RBP is 0 there, which
; ends backtraces.
extern thread_start
global thread_trampoline
thread_trampoline:
    mov rdi, r12
    mov rsi, r13
    call thread_start
    ud2                                 ; thread_start never returns
