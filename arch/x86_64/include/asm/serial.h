/*
 * asm/serial.h - the 16550 UART on COM1, the primary console.
 */
#ifndef ASM_SERIAL_H
#define ASM_SERIAL_H

/** serial_init() - program COM1 for 115200 8N1 and register it as a console. */
void serial_init(void);

/** serial_getc() - a received byte, or -1 if none is waiting. Never blocks. */
int serial_getc(void);

/** serial_rx_drain() - move received bytes into the input ring (the IRQ handler). */
void serial_rx_drain(void);

/** serial_enable_rx_irq() - raise an interrupt when input arrives. */
void serial_enable_rx_irq(void);

#endif
