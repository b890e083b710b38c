/*
 * term — the terminal under the reader: curses set-up and tear-down, colours from the theme,
 * resizes, ^Z, reading keys, and the crash handler that gives the terminal back.
 */
#include "config.h"

#include "app.h"

#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <term.h>
#include <unistd.h>

/* ---- crash handler: async-signal-safe terminal restore ------------------------------------ */

static char crash_seq[256];
static size_t crash_len;
static struct termios crash_tio;
static bool crash_tio_ok;
static struct sigaction crash_old[5];
static const int crash_sigs[5] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static volatile sig_atomic_t crash_armed;

static void crash_handler(int sig)
{
	if (crash_armed) {
		crash_armed = 0;
		ssize_t w = write(STDOUT_FILENO, crash_seq, crash_len);
		(void)w;
		if (crash_tio_ok)
			tcsetattr(STDIN_FILENO, TCSANOW, &crash_tio);
	}
	for (int i = 0; i < 5; i++)
		if (crash_sigs[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
	raise(sig); /* blocked until we return: then the old disposition acts (a core, ASan) */
}

static void crash_add(const char *cap)
{
	char *s = tigetstr(cap);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (crash_len + n < sizeof crash_seq) {
		memcpy(crash_seq + crash_len, s, n);
		crash_len += n;
	}
}

void term_crash_handlers(void)
{
	crash_len = 0;
	crash_add("sgr0");
	crash_add("cnorm");
	crash_add("rmkx");
	crash_add("rmcup");
	if (crash_len + 2 < sizeof crash_seq) {
		memcpy(crash_seq + crash_len, "\r\n", 2);
		crash_len += 2;
	}
	stack_t ss;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE)) {
		static char altstack[64 * 1024];
		ss.ss_sp = altstack;
		ss.ss_size = sizeof altstack;
		ss.ss_flags = 0;
		(void)sigaltstack(&ss, NULL);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 5; i++)
		sigaction(crash_sigs[i], &sa, &crash_old[i]);
	crash_armed = 1;
}

static void crash_disarm(void)
{
	if (!crash_armed)
		return;
	crash_armed = 0;
	for (int i = 0; i < 5; i++)
		sigaction(crash_sigs[i], &crash_old[i], NULL);
}

/* ---- start / stop ----------------------------------------------------------------------- */

static SCREEN *screen;

int term_start(struct app *app, char *err, size_t errlen)
{
	crash_tio_ok = tcgetattr(STDIN_FILENO, &crash_tio) == 0;
	const char *term = getenv("TERM");
	if (!term || !*term) {
		snprintf(err, errlen, "TERM is not set: cannot draw the screen (try skua --probe)");
		return -1;
	}
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, errlen, "terminal type '%.64s' is unknown to terminfo", term);
		return -1;
	}
	set_term(screen);
	if (!getenv("ESCDELAY"))
		set_escdelay(25); /* Alt and Esc without a noticeable wait */
	cbreak(); /* not raw: ^Z and ^C still signal */
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	curs_set(0);
	app->input = newwin(1, 1, 0, 0);
	if (!app->input) {
		endwin();
		snprintf(err, errlen, "curses could not make a window");
		return -1;
	}
	keypad(app->input, TRUE);
	nodelay(app->input, TRUE);
	/* keys terminals send whatever their terminfo entry says (TERM set for another
	 * terminal, multiplexers): known as keys, not as Esc plus letters */
	static const struct {
		const char *seq;
		int key;
	} extra[] = {
		{"\033[1~", KEY_HOME}, {"\033[4~", KEY_END}, {"\033[7~", KEY_HOME}, {"\033[8~", KEY_END},
		{"\033[H", KEY_HOME}, {"\033[F", KEY_END}, {"\033OH", KEY_HOME}, {"\033OF", KEY_END},
		{"\033[5~", KEY_PPAGE}, {"\033[6~", KEY_NPAGE}, {"\033[3~", KEY_DC}, {"\033[2~", KEY_IC},
		{"\033[A", KEY_UP}, {"\033[B", KEY_DOWN}, {"\033[C", KEY_RIGHT}, {"\033[D", KEY_LEFT},
		{"\033OA", KEY_UP}, {"\033OB", KEY_DOWN}, {"\033OC", KEY_RIGHT}, {"\033OD", KEY_LEFT},
		{"\033[Z", KEY_BTAB},
	};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		if (key_defined(extra[i].seq) <= 0)
			define_key(extra[i].seq, extra[i].key);
	untouchwin(app->input);
	leaveok(stdscr, TRUE);
	term_crash_handlers();
	term_colors(app);
	return 0;
}

void term_stop(struct app *app)
{
	if (!screen)
		return;
	if (app->input)
		delwin(app->input), app->input = NULL;
	curs_set(1);
	endwin();
	crash_disarm();
	delscreen(screen);
	screen = NULL;
}

/* ---- colours ----------------------------------------------------------------------------- */

static attr_t attrs_of(unsigned ta)
{
	attr_t a = A_NORMAL;
	if (ta & TA_BOLD)
		a |= A_BOLD;
	if (ta & TA_DIM)
		a |= A_DIM;
	if (ta & TA_UNDERLINE)
		a |= A_UNDERLINE;
	if (ta & TA_REVERSE)
		a |= A_REVERSE;
	if (ta & TA_STANDOUT)
		a |= A_STANDOUT;
	if (ta & TA_BLINK)
		a |= A_BLINK;
#ifdef A_ITALIC
	if (ta & TA_ITALIC)
		a |= A_ITALIC;
#endif
	return a;
}

void term_colors(struct app *app)
{
	const char *nc = getenv("NO_COLOR");
	bool color = has_colors() && !(nc && *nc);
	bool defaults = false;
	if (color) {
		start_color();
		defaults = use_default_colors() == OK;
	}
	for (int e = 0; e < TE__COUNT; e++) {
		const struct theme_style *s = &app->theme.s[e];
		if (!color || COLORS < 8) {
			app->attr[e] = attrs_of(theme_mono_attrs(&app->theme, (enum theme_elem)e));
			continue;
		}
		bool bright = false;
		int fg = theme_color_for(s->fg, COLORS, &bright);
		int bg = theme_color_for(s->bg, COLORS, NULL);
		attr_t a = attrs_of(s->attrs);
		if (bright)
			a |= A_BOLD;
		if (fg == THEME_DEFAULT && bg == THEME_DEFAULT) {
			app->attr[e] = a;
			continue;
		}
		if (!defaults) {
			if (fg == THEME_DEFAULT)
				fg = COLOR_WHITE;
			if (bg == THEME_DEFAULT)
				bg = COLOR_BLACK;
		}
		int pair = e + 1;
		int rc;
		if (pair >= COLOR_PAIRS) {
			rc = ERR;
		} else {
#ifdef NCURSES_EXT_COLORS
			rc = init_extended_pair(pair, fg, bg);
#else
			rc = (fg < 256 && bg < 256) ? init_pair((short)pair, (short)fg, (short)bg) : ERR;
#endif
		}
		app->attr[e] = rc == OK ? (a | COLOR_PAIR(pair)) : attrs_of(theme_mono_attrs(&app->theme, (enum theme_elem)e));
	}
	wbkgdset(stdscr, ' ' | app->attr[TE_NORMAL]);
}

/* ---- resize, suspend --------------------------------------------------------------------- */

void term_resize(struct app *app)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	app->relayout = true;
	app->repaint = true;
}

void term_suspend(struct app *app)
{
	endwin();
	(void)loop_signal_raise_default(app->loop, SIGTSTP);
	/* continued: the next doupdate() puts the program's terminal modes back */
	term_resize(app);
}

/* ---- keys -------------------------------------------------------------------------------- */

static long map_code(int code)
{
	switch (code) {
	case KEY_UP: return UK_UP;
	case KEY_DOWN: return UK_DOWN;
	case KEY_LEFT: return UK_LEFT;
	case KEY_RIGHT: return UK_RIGHT;
	case KEY_PPAGE: return UK_PGUP;
	case KEY_NPAGE: return UK_PGDN;
	case KEY_HOME: return UK_HOME;
	case KEY_END: return UK_END;
	case KEY_IC: return UK_INSERT;
	case KEY_DC: return UK_DELETE;
	case KEY_BACKSPACE: return UK_BACKSPACE;
	case KEY_BTAB: return UK_BACKTAB;
	case KEY_ENTER: return UK_ENTER;
	case KEY_RESIZE: return UK_RESIZE;
	default:
		if (code >= KEY_F(1) && code <= KEY_F(12))
			return UK_F1 + (code - KEY_F(1));
		return -2; /* a key we do not know: skip it */
	}
}

static long map_char(wint_t c)
{
	if (c == 127 || c == 8)
		return UK_BACKSPACE;
	if (c == '\n' || c == '\r')
		return UK_ENTER;
	if (c > 0x10ffff)
		return -2;
	return (long)c;
}

long term_key(struct app *app)
{
	for (;;) {
		wint_t c;
		int r = wget_wch(app->input, &c);
		if (r == ERR)
			return -1;
		long k = r == KEY_CODE_YES ? map_code((int)c) : map_char(c);
		if (k == -2)
			continue;
		if (k != UK_ESC)
			return k;
		/* Esc, or Alt sending ESC before the key: look at what is already there */
		r = wget_wch(app->input, &c);
		if (r == ERR)
			return UK_ESC;
		long k2 = r == KEY_CODE_YES ? map_code((int)c) : map_char(c);
		if (k2 < 0 || k2 == UK_RESIZE)
			return UK_ESC;
		return k2 | UK_META;
	}
}
