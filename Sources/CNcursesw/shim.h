/* Debian's ncursesw.pc flags are dropped by SwiftPM: define the wide-character
   API ourselves before including the header. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

/* ncurses globals as functions: Swift 6 refuses to read C globals. */
static inline WINDOW *cabinet_stdscr(void) { return stdscr; }
