/*
 * complete — completion of folder and label names in prompts, the label prompt's little
 * language, and the prompt's line editor. Pure: no curses.
 *
 * Matching (complete_match): candidates whose name starts with the input (case-insensitive),
 * then those with a '/'-separated component starting with it ("proj" finds "Work/Projects"),
 * then those containing it anywhere; each group in the candidates' order, no duplicates. An
 * empty input matches everything.
 *
 * The label prompt (label_input_parse): "NAME" toggles the label (added when a target lacks it,
 * removed when all have it), "+NAME" adds, "-NAME" removes; blanks around are dropped. A name
 * no folder has creates the label.
 */
#ifndef SKUA_UI_COMPLETE_H
#define SKUA_UI_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends a copy of s to a growable candidate list (*v, *n used, *cap allocated) unless it is
 * there already. The caller frees the strings and the array. Out of memory: s is left out. */
void complete_add(char ***v, size_t *n, size_t *cap, const char *s);

/* Writes up to cap indexes of matching candidates to out; returns how many match in all. */
size_t complete_match(const char *const *cands, size_t n, const char *input, size_t *out, size_t cap);
/* Bytes of the longest common prefix (case-sensitive, whole UTF-8 characters) of the chosen
 * candidates; 0 when n == 0. */
size_t complete_common(const char *const *cands, const size_t *idx, size_t n);

enum label_op { LABEL_TOGGLE, LABEL_ADD, LABEL_REMOVE };
/* Splits the label prompt's input; false when no name is left. The name is copied (cut at a
 * character boundary when it does not fit). */
bool label_input_parse(const char *in, enum label_op *op, char *name, size_t namesz);

/* ---- line editor ---------------------------------------------------------------------------- */

#define LINEEDIT_MAX 1024

struct lineedit {
	char text[LINEEDIT_MAX]; /* UTF-8, NUL-terminated */
	size_t len;              /* bytes */
	size_t cur;              /* cursor, a byte offset on a character boundary */
};

void le_set(struct lineedit *le, const char *text);
/* Inserts a code point at the cursor; false when it does not fit or is a control. */
bool le_insert(struct lineedit *le, uint32_t cp);
void le_backspace(struct lineedit *le);
void le_delete(struct lineedit *le);
void le_left(struct lineedit *le);
void le_right(struct lineedit *le);
void le_home(struct lineedit *le);
void le_end(struct lineedit *le);
void le_kill_to_start(struct lineedit *le);  /* C-u */
void le_kill_to_end(struct lineedit *le);    /* C-k */
void le_kill_word(struct lineedit *le);      /* C-w: the word before the cursor */

#endif
