/* size_main.c - a small device program for make size: what it calls is what
   --gc-sections keeps. Synchronous connect, text and binary writes, a read,
   the asynchronous pump, close, and the error text; the transport is the
   user's (lwIP, a modem). It is linked, never run. */
#include "wsclient.h"

static wsc_transport transport; /* the device's functions would go here */

static void on_event(const wsc_event_data *ev) { (void)ev; }

int main(void) {
    wsc_config c = {0};
    char buf[128];
    wsc_set_transport(&transport);
#ifdef WSCLIENT_SMALL /* it parses no URLs: WinDev's address, port and path */
    c.address = "example.org";
    c.path = "/chat";
    c.tls = 1;
#else
    c.url = "wss://example.org/chat";
#endif
    if (!wsc_open("s", &c)) return wsc_error_info()[0];
    wsc_write("s", "hello");
    wsc_write_binary("s", buf, 4);
    if (wsc_read("s", buf, sizeof buf, 1000, 0) < 0) return (int)wsc_error_code();
    wsc_close("s");
    c.callback = on_event;
    wsc_open("a", &c);
    while (wsc_count() > 0) wsc_pump(100);
    return 0;
}
