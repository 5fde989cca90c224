/* Debian's ncursesw.pc flags are dropped by SwiftPM: define the wide-character
   API ourselves before including the header. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <string.h>
#include <ncursesw/curses.h>

/* ncurses globals and function-like macros as functions: Swift imports
   neither C globals under strict concurrency nor macros with arguments. */
static inline WINDOW *cabinet_stdscr(void) { return stdscr; }
static inline int cabinet_lines(void) { return LINES; }
static inline int cabinet_cols(void) { return COLS; }
static inline int cabinet_key_f(int n) { return KEY_F(n); }
static inline int cabinet_key_code_yes(void) { return KEY_CODE_YES; }

/* Sets the attributes of what is drawn next. */
static inline int cabinet_set_attr(WINDOW *w, int bold, int underline, int reverse, int dim, short pair) {
    attr_t a = A_NORMAL;
    if (bold) a |= A_BOLD;
    if (underline) a |= A_UNDERLINE;
    if (reverse) a |= A_REVERSE;
    if (dim) a |= A_DIM;
    return wattr_set(w, a, pair, NULL);
}

static inline int cabinet_put(WINDOW *w, int y, int x, const wchar_t *s, int n) {
    return mvwaddnwstr(w, y, x, s, n);
}

/* Reads one key: returns OK, KEY_CODE_YES or ERR (timeout). */
static inline int cabinet_get(WINDOW *w, unsigned int *ch) {
    wint_t c = 0;
    int r = wget_wch(w, &c);
    *ch = (unsigned int)c;
    return r;
}

/* True when the locale's character set is UTF-8. */
static inline int cabinet_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* ------------------------------------------------------------------------
   A fatal signal (a Swift trap is SIGILL or SIGTRAP; SIGSEGV, SIGBUS,
   SIGABRT, SIGFPE) must not leave the terminal in raw mode without echo:
   the handler puts back the terminal modes saved before curses started,
   leaves the alternate screen, shows the cursor, writes a message prepared
   in advance (the user's language), then lets the signal end the process as
   it would have. Only async-signal-safe calls (tcsetattr, write, signal,
   raise). An alternate stack lets it run after a stack overflow too. */
#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <stdlib.h>

/* The state lives in a function-local static: Swift's importer emits the
   bodies of inline functions, not a header's file-scope variables. */
struct cabinet_crash_state {
    struct termios tty;
    int tty_ok;
    char text[2048];
    size_t len;
};

static inline struct cabinet_crash_state *cabinet_crash(void) {
    static struct cabinet_crash_state state;
    return &state;
}

static void cabinet_fatal_handler(int sig) {
    /* Out of the alternate screen, then the screen and its scrollback
       wiped (a terminal without an alternate screen kept what was drawn:
       a record must not stay readable), the cursor shown. */
    static const char reset[] = "\033[0m\033[?1049l\033[2J\033[3J\033[H\033[?25h";
    struct cabinet_crash_state *c = cabinet_crash();
    if (c->tty_ok) tcsetattr(STDIN_FILENO, TCSANOW, &c->tty);
    if (write(STDOUT_FILENO, reset, sizeof reset - 1) < 0) { /* nothing more to do */ }
    if (c->len > 0 && write(STDERR_FILENO, c->text, c->len) < 0) { }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Saves the terminal's modes (call before initscr). */
static inline void cabinet_save_tty(void) {
    struct cabinet_crash_state *c = cabinet_crash();
    c->tty_ok = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c->tty) == 0;
}

/* Installs the handler for the fatal signals, with `text` as its message. */
static inline void cabinet_install_fatal_handlers(const char *text) {
    static const int sigs[] = {SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE};
    struct cabinet_crash_state *c = cabinet_crash();
    size_t n = strlen(text);
    if (n >= sizeof c->text) n = sizeof c->text - 1;
    memcpy(c->text, text, n);
    c->len = n;
    stack_t ss;
    ss.ss_size = 64 * 1024;
    ss.ss_sp = malloc(ss.ss_size);
    ss.ss_flags = 0;
    int altstack = ss.ss_sp != NULL && sigaltstack(&ss, NULL) == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cabinet_fatal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | (altstack ? SA_ONSTACK : 0);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}
