/* device.c - the program make mcu runs on QEMU's mps2-an386 (Cortex-M4):
   start-up code, the board (UART1 for the link, SysTick for the clock,
   semihosting for the console and the exit status), then
   examples/uart_transport.c unchanged. tests/mcu/run.sh builds it in each
   configuration and reads what it prints. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

unsigned long board_ms(void);
int board_random(void *buf, size_t len);
#define WSCLIENT_NOW_MS() board_ms()
#define WSCLIENT_ENTROPY(buf, len) board_random(buf, len)
#define WSCLIENT_MAX_SOCKETS 1

/* The connect's own instructions: its emulated time less the time spent
   waiting for the bridge (board_ns), and what the open socket holds. */
static uint64_t open_ns, idle_ns, wait_ns;
static uint64_t board_ns(void);
static void probe_open(void);
#define UART_WAIT_BEGIN() (wait_ns = board_ns())
#define UART_WAIT_END() (idle_ns += board_ns() - wait_ns)
#define UART_OPEN_BEGIN() (idle_ns = 0, open_ns = board_ns())
#define UART_OPEN_END() (open_ns = board_ns() - open_ns - idle_ns, probe_open())
#include "../../examples/uart_transport.c"

static wsc_tls_info tls_info;
static size_t socket_heap;
static size_t heap_in_use(void);

/* Right after the connect: the TLS figures, and the heap the open, idle
   socket holds (the arena builds use none). */
static void probe_open(void) {
    if (!wsc_exist("uart") || !wsc_tls_get_info("uart", &tls_info)) return; /* (keeps a failed open's words) */
    socket_heap = heap_in_use();
}

/* ---- semihosting: the console and the exit status ---- */

static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_print(const char *s) { semihost(0x04, s); } /* SYS_WRITE0 */

static void board_exit(int status) {
    uint32_t block[2] = { 0x20026, (uint32_t)status }; /* ADP_Stopped_ApplicationExit */
    semihost(0x20, block);                               /* SYS_EXIT_EXTENDED */
    for (;;) { }
}

/* ---- CMSDK APB UART1: the link to tests/uart_bridge.py ---- */

#define UART1 ((volatile uint32_t *)0x40005000u) /* DATA, STATE, CTRL, INTSTATUS, BAUDDIV */

int board_uart_getc(void) { return (UART1[1] & 2u) ? (int)(UART1[0] & 0xffu) : -1; }

void board_uart_putc(int c) {
    while (UART1[1] & 1u) { }
    UART1[0] = (uint32_t)c & 0xffu;
}

/* ---- SysTick: 1 ms from the 25 MHz system clock ---- */

#define SYST ((volatile uint32_t *)0xe000e010u) /* CSR, RVR, CVR */
#define SYST_RELOAD 25000u
static volatile unsigned long ticks;

void systick_handler(void);
void systick_handler(void) { ticks++; }

unsigned long board_ms(void) { return ticks; }

/* Nanoseconds of emulated time: under qemu -icount shift=0 one instruction
   is one nanosecond, so this counts instructions (SysTick counts 40 ns). */
static uint64_t board_ns(void) {
    unsigned long ms;
    uint32_t val;
    do {
        ms = ticks;
        val = SYST[2];
    } while (ms != ticks);
    return (uint64_t)ms * 1000000u + (uint64_t)(SYST_RELOAD - 1u - val) * 40u;
}

/* No random source on this board: a test may live with a fixed seed stirred
   with the clock; a product must take a hardware RNG's bytes here. */
int board_random(void *buf, size_t len) {
    unsigned char *p = (unsigned char *)buf;
    uint32_t x = 0x9e3779b9u ^ (uint32_t)board_ns();
    size_t i;
    for (i = 0; i < len; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        p[i] = (unsigned char)(x >> 24);
    }
    return 1;
}

/* ---- heap for malloc (newlib-nano): from the end of .bss to the stack ---- */

extern char __heap_start[], __stack_limit[], __stack_top[];
static char *heap_end = __heap_start;
static size_t heap_peak;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr) {
    char *old = heap_end;
    if (incr > __stack_limit - heap_end) return (void *)-1;
    heap_end += incr;
    if ((size_t)(heap_end - __heap_start) > heap_peak) heap_peak = (size_t)(heap_end - __heap_start);
    return old;
}

/* newlib-nano's bytes in use: the heap less its free list (its chunks begin
   with their size). Not mallinfo(): that links 4.6 KB of malloc statistics. */
struct nano_chunk { long size; struct nano_chunk *next; };
extern struct nano_chunk *__malloc_free_list;

static size_t heap_in_use(void) {
#ifdef WSCLIENT_NO_HEAP
    return 0;
#else
    size_t n = (size_t)(heap_end - __heap_start);
    const struct nano_chunk *c;
    for (c = __malloc_free_list; c; c = c->next) n -= (size_t)c->size;
    return n;
#endif
}

/* ---- start-up ---- */

extern char __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
void reset_handler(void);
static void fault_handler(void) {
    board_print("FAULT: the device took a hard fault\n");
    board_exit(99);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top, reset_handler, fault_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, systick_handler
};

#define STACK_PAINT 0xa5

/* Bytes of the stack ever used: the painted part that was written over. */
static size_t stack_used(void) {
    const unsigned char *p = (const unsigned char *)__stack_limit;
    while (p < (const unsigned char *)__stack_top && *p == STACK_PAINT) p++;
    return (size_t)((const unsigned char *)__stack_top - p);
}

void reset_handler(void) {
    char line[160];
    int status;
    uintptr_t sp;
    memcpy(__data_start, __data_load, (size_t)(__data_end - __data_start));
    memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    memset(__stack_limit, STACK_PAINT, sp - 64u - (uintptr_t)__stack_limit);
    UART1[4] = 16;     /* BAUDDIV: the smallest QEMU takes */
    UART1[2] = 3;      /* TX and RX enabled */
    SYST[1] = SYST_RELOAD - 1u;
    SYST[2] = 0;
    SYST[0] = 7;       /* processor clock, interrupt, on */
    status = uart_echo_main();
    snprintf(line, sizeof line, "connect: %lu instructions, %lu ms waiting for the bridge\n",
             (unsigned long)open_ns, (unsigned long)(idle_ns / 1000000u));
    board_print(line);
    if (tls_info.cipher_name) {
        snprintf(line, sizeof line, "tls: %s, state %lu bytes, buffer %lu bytes\n", tls_info.cipher_name,
                 (unsigned long)tls_info.context_size, (unsigned long)tls_info.buffer_size);
        board_print(line);
    }
    snprintf(line, sizeof line, "ram: stack %lu bytes, heap %lu bytes, socket %lu bytes, static %lu bytes\n",
             (unsigned long)stack_used(), (unsigned long)heap_peak, (unsigned long)socket_heap,
             (unsigned long)(__bss_end - __data_start));
    board_print(line);
    board_exit(status);
}
