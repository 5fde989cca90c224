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
