/*
 * osc52 — the escape sequence that puts text on the terminal's clipboard (OSC 52), which works
 * over SSH, and its wrapping for terminal multiplexers: inside tmux ($TMUX set) the sequence
 * goes in a DCS "tmux;" passthrough with every ESC doubled; inside GNU screen ($STY set, TERM
 * screen*) in a DCS, in chunks screen accepts. Pure: builds bytes, writes nothing.
 *
 * The text copied is what the user sees (already sanitised); it is base64-encoded inside the
 * sequence, so no byte of it can act on the terminal. Texts longer than OSC52_MAX bytes are
 * refused (terminals drop longer ones).
 */
#ifndef SKUA_UI_OSC52_H
#define SKUA_UI_OSC52_H

#include <stddef.h>

struct buf;

#define OSC52_MAX 74994 /* bytes of text; xterm's default limit on the encoded form is ~100 kB */

enum osc52_wrap { OSC52_PLAIN, OSC52_TMUX, OSC52_SCREEN };

/* Which wrapping the environment needs (TMUX, STY / TERM). */
enum osc52_wrap osc52_wrap_for(const char *tmux, const char *sty, const char *term);
/* Appends the sequence for text to out. 0, or -1 (too long, or out's cap). */
int osc52_encode(struct buf *out, const char *text, size_t len, enum osc52_wrap w);

#endif
