/* Unit tests for ui/complete: name completion, the label prompt's +/- language, the line
 * editor; ui/savefile: safe attachment names and creation that never leaves the directory;
 * ui/osc52: clipboard sequences, plain and through tmux and screen. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base64.h"
#include "buf.h"
#include "complete.h"
#include "osc52.h"
#include "savefile.h"

static const char *const folders[] = {
	"INBOX", "Work", "Work/Projects", "Work/Projects/2023", "Personal", "Receipts",
	"[Gmail]/All Mail", "[Gmail]/Sent Mail", "Travel Plans", "Проекты",
};
#define NF (sizeof folders / sizeof folders[0])

static void test_match(void **state)
{
	(void)state;
	size_t m[16];
	/* prefixes first, case-insensitive */
	assert_int_equal(complete_match(folders, NF, "w", m, 16), 3);
	assert_string_equal(folders[m[0]], "Work");
	assert_string_equal(folders[m[1]], "Work/Projects");
	/* then components: "proj" finds the sub-folders */
	assert_int_equal(complete_match(folders, NF, "proj", m, 16), 2);
	assert_string_equal(folders[m[0]], "Work/Projects");
	/* then anywhere */
	assert_int_equal(complete_match(folders, NF, "mail", m, 16), 2);
	assert_string_equal(folders[m[0]], "[Gmail]/All Mail");
	/* prefixes, then components, then anywhere */
	assert_int_equal(complete_match(folders, NF, "p", m, 16), 5);
	assert_string_equal(folders[m[0]], "Personal");
	assert_string_equal(folders[m[1]], "Work/Projects");
	assert_string_equal(folders[m[2]], "Work/Projects/2023");
	assert_string_equal(folders[m[3]], "Receipts");
	assert_string_equal(folders[m[4]], "Travel Plans");
	assert_int_equal(complete_match(folders, NF, "", m, 16), NF);
	assert_int_equal(complete_match(folders, NF, "zz", m, 16), 0);
	assert_int_equal(complete_match(folders, NF, "Про", m, 16), 1);
	/* more matches than room: counted, not written */
	assert_int_equal(complete_match(folders, NF, "", m, 2), NF);
}

static void test_common(void **state)
{
	(void)state;
	size_t m[16];
	size_t n = complete_match(folders, NF, "work/p", m, 16);
	assert_int_equal(n, 2);
	assert_int_equal(complete_common(folders, m, n), strlen("Work/Projects"));
	const char *const u[] = {"Ünïcode-a", "Ünïcode-b", "Üx"};
	size_t all[3] = {0, 1, 2};
	assert_int_equal(complete_common(u, all, 2), strlen("Ünïcode-"));
	/* never stops inside a character */
	const char *const v[] = {"\xc3\xa9t\xc3\xa9", "\xc3\xa8"};
	assert_int_equal(complete_common(v, all, 2), 0);
	assert_int_equal(complete_common(v, all, 0), 0);
}

static void test_label_input(void **state)
{
	(void)state;
	enum label_op op;
	char name[64];
	assert_true(label_input_parse("Work", &op, name, sizeof name));
	assert_int_equal(op, LABEL_TOGGLE);
	assert_string_equal(name, "Work");
	assert_true(label_input_parse("  +Travel Plans  ", &op, name, sizeof name));
	assert_int_equal(op, LABEL_ADD);
	assert_string_equal(name, "Travel Plans");
	assert_true(label_input_parse("- Work/Projects", &op, name, sizeof name));
	assert_int_equal(op, LABEL_REMOVE);
	assert_string_equal(name, "Work/Projects");
	assert_false(label_input_parse("+", &op, name, sizeof name));
	assert_false(label_input_parse("   ", &op, name, sizeof name));
	/* cut on a character boundary */
	char small[4];
	assert_true(label_input_parse("\xc3\xa9\xc3\xa9", &op, small, sizeof small));
	assert_string_equal(small, "\xc3\xa9");
}

static void test_lineedit(void **state)
{
	(void)state;
	struct lineedit le;
	le_set(&le, "");
	assert_true(le_insert(&le, 'a'));
	assert_true(le_insert(&le, 0xe9));
	assert_true(le_insert(&le, 0x1f600));
	assert_string_equal(le.text, "a\xc3\xa9\xf0\x9f\x98\x80");
	assert_false(le_insert(&le, 0x1b)); /* no controls */
	assert_false(le_insert(&le, 0x9b));
	le_left(&le);
	assert_int_equal(le.cur, 3);
	le_backspace(&le);
	assert_string_equal(le.text, "a\xf0\x9f\x98\x80");
	le_home(&le);
	le_delete(&le);
	assert_string_equal(le.text, "\xf0\x9f\x98\x80");
	le_set(&le, "from:alice subject:hi");
	le_kill_word(&le);
	assert_string_equal(le.text, "from:alice ");
	le_home(&le);
	le_right(&le);
	le_kill_to_end(&le);
	assert_string_equal(le.text, "f");
	le_end(&le);
	le_kill_to_start(&le);
	assert_string_equal(le.text, "");
	assert_int_equal(le.len, 0);
	/* full: refuses, stays valid */
	for (int i = 0; i < LINEEDIT_MAX; i++)
		le_insert(&le, 0x4e2d);
	assert_true(le.len < LINEEDIT_MAX);
	assert_int_equal(le.len % 3, 0);
}

/* ---- savefile ------------------------------------------------------------------------------ */

static void test_basename(void **state)
{
	(void)state;
	struct {
		const char *in, *out;
	} cases[] = {
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{"/etc/shadow", "shadow"},
		{"C:\\Windows\\evil.exe", "evil.exe"},
		{"..", "attachment"},
		{".", "attachment"},
		{"", "attachment"},
		{".bashrc", "bashrc"},
		{"-rf", "rf"},
		{"a\x1b[2Jb.txt", "a_[2Jb.txt"},
		{"x\ny.txt", "x_y.txt"},
		{"in\xe2\x80\xaetxt.exe", "in_txt.exe"},
		{"what?.txt", "what_.txt"},
		{"trailing. . ", "trailing"},
		{"\xff\xfe.bin", "__.bin"},
		{"r\xc3\xa9sum\xc3\xa9.pdf", "r\xc3\xa9sum\xc3\xa9.pdf"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[SAVEFILE_NAME_MAX + 1];
		savefile_basename(cases[i].in, out, sizeof out);
		assert_string_equal(out, cases[i].out);
	}
	/* long names keep their extension and stay under the limit */
	char longname[600];
	memset(longname, 'a', sizeof longname);
	strcpy(longname + 590, ".pdf");
	char out[SAVEFILE_NAME_MAX + 1];
	savefile_basename(longname, out, sizeof out);
	assert_true(strlen(out) <= SAVEFILE_NAME_MAX);
	assert_string_equal(out + strlen(out) - 4, ".pdf");
	savefile_basename(NULL, out, sizeof out);
	assert_string_equal(out, "attachment");
}

static void test_create_in_dir(void **state)
{
	(void)state;
	char dir[] = "/tmp/skua-savefile-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char outside[600];
	snprintf(outside, sizeof outside, "%s-outside", dir);
	int dfd = savefile_dir_open(dir);
	assert_true(dfd >= 0);
	char used[300];
	int fd = savefile_create(dfd, "../../tmp/x.txt", used, sizeof used);
	assert_true(fd >= 0);
	assert_string_equal(used, "x.txt");
	close(fd);
	/* the same name again: a numbered one, never an overwrite */
	fd = savefile_create(dfd, "x.txt", used, sizeof used);
	assert_true(fd >= 0);
	assert_string_equal(used, "x (1).txt");
	close(fd);
	/* a symlink planted under the name is not followed */
	char link[700];
	snprintf(link, sizeof link, "%s/evil", dir);
	assert_int_equal(symlink(outside, link), 0);
	fd = savefile_create(dfd, "evil", used, sizeof used);
	assert_true(fd >= 0);
	assert_string_equal(used, "evil (1)");
	close(fd);
	struct stat st;
	assert_int_equal(stat(outside, &st), -1);
	assert_int_equal(errno, ENOENT);
	/* files are private */
	char path[700];
	snprintf(path, sizeof path, "%s/x.txt", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* not a directory */
	assert_int_equal(savefile_dir_open(path), -1);
	close(dfd);
	/* "~" expands from HOME only at the start */
	char exp[300];
	setenv("HOME", "/home/someone", 1);
	assert_true(savefile_expand("~/Downloads", exp, sizeof exp));
	assert_string_equal(exp, "/home/someone/Downloads");
	assert_true(savefile_expand("/x/~/y", exp, sizeof exp));
	assert_string_equal(exp, "/x/~/y");
	assert_true(savefile_expand("~other", exp, sizeof exp));
	assert_string_equal(exp, "~other");
	const char *names[] = {"x.txt", "x (1).txt", "evil", "evil (1)"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* ---- OSC 52 -------------------------------------------------------------------------------- */

static void test_osc52(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(osc52_encode(&b, "hello", 5, OSC52_PLAIN), 0);
	assert_string_equal(buf_data(&b), "\033]52;c;aGVsbG8=\a");
	buf_reset(&b);
	assert_int_equal(osc52_encode(&b, "hello", 5, OSC52_TMUX), 0);
	assert_string_equal(buf_data(&b), "\033Ptmux;\033\033]52;c;aGVsbG8=\a\033\\");
	/* screen: the payload split into DCS pieces that join back to the base64 */
	buf_reset(&b);
	char text[300];
	memset(text, 'z', sizeof text);
	assert_int_equal(osc52_encode(&b, text, sizeof text, OSC52_SCREEN), 0);
	const char *d = buf_data(&b);
	assert_true(!strncmp(d, "\033P\033]52;c;", 9));
	struct buf joined, dec;
	buf_init(&joined, 1 << 16);
	buf_init(&dec, 1 << 16);
	for (const char *p = d + 9; *p;) {
		if (!strncmp(p, "\033\\\033P", 4)) {
			p += 4;
			continue;
		}
		if (!strncmp(p, "\a\033\\", 3))
			break;
		assert_int_equal(buf_append_byte(&joined, (unsigned char)*p), BUF_OK);
		p++;
	}
	assert_int_equal(base64_decode(&dec, buf_data(&joined), buf_len(&joined), BASE64_STRICT), BASE64_OK);
	assert_int_equal(buf_len(&dec), sizeof text);
	assert_memory_equal(buf_data(&dec), text, sizeof text);
	/* the text itself never appears: only base64 of it */
	buf_reset(&b);
	assert_int_equal(osc52_encode(&b, "\033]0;pwned\a", 10, OSC52_PLAIN), 0);
	assert_null(strstr(buf_data(&b), "pwned"));
	assert_int_equal(strchr(buf_data(&b) + 1, '\033'), NULL);
	/* too long: refused, the buffer unchanged */
	buf_reset(&b);
	char *huge = calloc(1, OSC52_MAX + 1);
	assert_int_equal(osc52_encode(&b, huge, OSC52_MAX + 1, OSC52_PLAIN), -1);
	assert_int_equal(buf_len(&b), 0);
	free(huge);
	/* which wrapping */
	assert_int_equal(osc52_wrap_for("/tmp/tmux-0/default,1,0", NULL, "screen"), OSC52_TMUX);
	assert_int_equal(osc52_wrap_for(NULL, "123.pts", "xterm"), OSC52_SCREEN);
	assert_int_equal(osc52_wrap_for("", NULL, "screen-256color"), OSC52_SCREEN);
	assert_int_equal(osc52_wrap_for(NULL, NULL, "xterm-256color"), OSC52_PLAIN);
	buf_free(&b);
	buf_free(&joined);
	buf_free(&dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_label_input),
		cmocka_unit_test(test_lineedit),
		cmocka_unit_test(test_basename),
		cmocka_unit_test(test_create_in_dir),
		cmocka_unit_test(test_osc52),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
