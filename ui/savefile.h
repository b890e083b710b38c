/*
 * savefile — where an attachment may be written: a safe base name inside a directory the user
 * chose, never anywhere else. Pure file-system code (no curses, no shell: nothing here is ever
 * handed to one).
 *
 *  - savefile_basename(): the name a message suggests, reduced to a base name: the part after
 *    the last '/' or '\\'; control characters, bidi controls and characters that confuse
 *    shells and file managers (":*?\"<>|") become '_'; leading dots, '-' and blanks and
 *    trailing dots and blanks are dropped; cut to at most 200 bytes on a character boundary
 *    keeping the extension; "" (and "." / "..") become "attachment".
 *  - savefile_dir_open(): opens the directory (O_DIRECTORY); "~" and "~/..." are expanded with
 *    $HOME (no other expansion). The caller closes the fd.
 *  - savefile_create(): creates dirfd/base with openat(O_CREAT | O_EXCL | O_NOFOLLOW), mode
 *    0600: an existing file or symlink is never followed or overwritten — "name (1).ext",
 *    "name (2).ext", ... are tried instead (up to 99). The name used goes to `used`.
 * A base name has no '/', so openat() relative to dirfd cannot leave the directory.
 */
#ifndef SKUA_UI_SAVEFILE_H
#define SKUA_UI_SAVEFILE_H

#include <stddef.h>

#define SAVEFILE_NAME_MAX 200

/* Writes the safe base name (always non-empty, NUL-terminated) to out (outsz >= 16). */
void savefile_basename(const char *name, char *out, size_t outsz);
/* An fd on the directory, or -1 with errno. */
int savefile_dir_open(const char *path);
/* Expands a leading "~" into out; false when it does not fit or HOME is unset. */
int savefile_expand(const char *path, char *out, size_t outsz);
/* A new file's fd (O_WRONLY), or -1 with errno. */
int savefile_create(int dirfd, const char *base, char *used, size_t usedsz);

#endif
