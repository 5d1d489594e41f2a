#ifndef CLINIC_CNCURSES_SHIM_H
#define CLINIC_CNCURSES_SHIM_H
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Macros and globals Swift cannot import directly.
static inline WINDOW *clinic_stdscr(void) { return stdscr; }
static inline int clinic_lines(void) { return LINES; }
static inline int clinic_cols(void) { return COLS; }
static inline int clinic_colors(void) { return COLORS; }
static inline int clinic_get_wch(wint_t *ch) { return get_wch(ch); }
static inline attr_t clinic_a_bold(void) { return A_BOLD; }
static inline attr_t clinic_a_reverse(void) { return A_REVERSE; }
static inline attr_t clinic_a_dim(void) { return A_DIM; }
static inline attr_t clinic_a_underline(void) { return A_UNDERLINE; }
static inline attr_t clinic_a_normal(void) { return A_NORMAL; }
static inline attr_t clinic_color_pair(int n) { return COLOR_PAIR(n); }
static inline int clinic_attrset(attr_t a) { return attrset(a); }
static inline int clinic_mvaddstr(int y, int x, const char *s) { return mvaddstr(y, x, s); }
static inline int clinic_move(int y, int x) { return move(y, x); }
static inline int clinic_refresh(void) { return refresh(); }
static inline int clinic_key_code_yes(void) { return KEY_CODE_YES; }
// Mouse: presses of the first button and the wheel, reported at once (no click-timing delay).
static inline void clinic_mouse_on(void) {
    mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
}
static inline int clinic_key_mouse(void) { return KEY_MOUSE; }
// 0 nothing usable, 1 press, 2 wheel up, 3 wheel down.
static inline int clinic_read_mouse(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *x = event.x;
    *y = event.y;
    if (event.bstate & BUTTON4_PRESSED) return 2;
    if (event.bstate & BUTTON5_PRESSED) return 3;
    if (event.bstate & BUTTON1_PRESSED) return 1;
    return 0;
}
#include <stdio.h>
// A screen writing into a file instead of the terminal (benchmarks count its bytes).
static inline SCREEN *clinic_newterm_file(const char *type, FILE *out, FILE *in) { return newterm(type, out, in); }
#endif
