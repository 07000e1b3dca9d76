/*
 * arch/x86_64/vga.c - VGA text-mode console: 80x25 cells of (char, attr) at
 * physical 0xb8000, reached through the direct map.  Scrolls; knows only
 * '\n', '\r', '\t' and '\b'.  Output only.
 */
#include <stdint.h>
#include "asm/cpu.h"
#include "asm/page.h"
#include "asm/vga.h"
#include "kernel/console.h"
#include "lib/string.h"

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x07   /* light grey on black */

static volatile uint16_t *vga_buf;
static int row, col;

static void vga_set_cursor(void)
{
	uint16_t pos = (uint16_t)(row * VGA_COLS + col);
	outb(0x3d4, 0x0f); outb(0x3d5, pos & 0xff);
	outb(0x3d4, 0x0e); outb(0x3d5, pos >> 8);
}

static void vga_newline(void)
{
	col = 0;
	if (++row < VGA_ROWS)
		return;
	for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		vga_buf[i] = vga_buf[i + VGA_COLS];
	for (int i = 0; i < VGA_COLS; i++)
		vga_buf[(VGA_ROWS - 1) * VGA_COLS + i] = (VGA_ATTR << 8) | ' ';
	row = VGA_ROWS - 1;
}

static void vga_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n') {
			vga_newline();
		} else if (c == '\r') {
			col = 0;
		} else if (c == '\b') {
			if (col > 0)
				col--;
		} else if (c == '\t') {
			col = (col + 8) & ~7;
			if (col >= VGA_COLS)
				vga_newline();
		} else {
			vga_buf[row * VGA_COLS + col] = (uint16_t)((VGA_ATTR << 8) | (uint8_t)c);
			if (++col == VGA_COLS)
				vga_newline();
		}
	}
	vga_set_cursor();
}

static struct console vga_console = { .name = "vga", .write = vga_write };

void vga_init(void)
{
	vga_buf = __va(0xb8000);
	for (int i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga_buf[i] = (VGA_ATTR << 8) | ' ';
	row = col = 0;
	console_register(&vga_console);
}
