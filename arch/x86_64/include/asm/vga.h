/*
 * asm/vga.h - the VGA text console (80x25 at physical 0xb8000), a mirror of
 * the serial console for people watching QEMU's window.
 */
#ifndef ASM_VGA_H
#define ASM_VGA_H

/** vga_init() - clear the screen and register the VGA console. Needs the direct map. */
void vga_init(void);

#endif
