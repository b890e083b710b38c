/* Unit tests for src/mail/html2text: blocks, lists, links, entities, dropped elements, limits. */
#include "config.h"

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

#include "mail/charset.h"
#include "mail/html2text.h"

static char *conv(const char *in, size_t n, unsigned flags)
{
	struct buf b;
	buf_init(&b, 1 << 22);
	assert_int_equal(html2text(&b, in, n, flags), BUF_OK);
	assert_true(charset_utf8_valid(buf_data(&b), buf_len(&b)));
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

static void expect_f(const char *in, unsigned flags, const char *want)
{
	char *s = conv(in, strlen(in), flags);
	if (strcmp(s, want) != 0)
		fail_msg("html2text(\"%s\") =\n\"%s\"\nwant\n\"%s\"", in, s, want);
	free(s);
}

static void expect(const char *in, const char *want)
{
	expect_f(in, 0, want);
}

static void test_blocks_and_whitespace(void **state)
{
	(void)state;
	expect("<p>Hello   <b>big</b>\n\n world</p><p>Second</p>", "Hello big world\n\nSecond\n");
	expect("<div>a</div><div>b</div>", "a\nb\n");
	expect("one<br>two<br/><br />three", "one\ntwo\n\nthree\n");
	expect("<h1>Title</h1>text", "Title\n\ntext\n");
	expect("<p></p><p></p><div></div>", "");
	expect("", "");
	expect("   \n\t  ", "");
	expect("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a b\nc d\n");
	expect("x<hr>y", "x\n\n--------------------\n\ny\n");
	expect("<p>a<br><br><br><br>b</p>", "a\n\nb\n");
}

static void test_pre(void **state)
{
	(void)state;
	expect("<p>x</p><pre>  keep   this\r\n    indented</pre>after", "x\n\n  keep   this\n    indented\n\nafter\n");
	expect("<pre>a &lt; b\n\n\nc</pre>", "a < b\n\n\nc\n");
}

static void test_lists_and_quotes(void **state)
{
	(void)state;
	expect("<ul><li>one<li>two</ul>", "* one\n* two\n");
	expect("<ol><li>first</li><li>second</li></ol>", "1. first\n2. second\n");
	expect("<ul><li>a<ul><li>inner</li></ul></li><li>b</li></ul>", "* a\n  * inner\n* b\n");
	expect("<li>stray</li>", "* stray\n");
	expect("<blockquote>quoted<blockquote>deeper</blockquote></blockquote>reply",
	       "> quoted\n>\n>> deeper\n\nreply\n");
	expect("</ul></ol></blockquote></pre>text", "text\n");
}

static void test_links(void **state)
{
	(void)state;
	expect("See <a href=\"https://example.org/a?x=1&amp;y=2\">this</a> and <a href='https://example.org/b'>that</a>.",
	       "See this[1] and that[2].\n\n[1] https://example.org/a?x=1&y=2\n[2] https://example.org/b\n");
	/* the same URL keeps its number; anchors and javascript are not numbered */
	expect("<a href=u>x</a> <a href=\"#top\">top</a> <a href=\"JavaScript:evil()\">js</a> <a href=u>y</a>",
	       "x[1] top js y[1]\n\n[1] u\n");
	expect_f("<a href=\"https://e.org\">link</a>", HTML2TEXT_NO_LINKS, "link\n");
	/* an unclosed <a> is numbered at the end */
	expect("<a href=\"https://e.org\">open", "open[1]\n\n[1] https://e.org\n");
	expect("<img src=x alt=\"Logo &amp; co\"> <img src=pixel.gif>", "[Logo & co]\n");
}

static void test_entities(void **state)
{
	(void)state;
	expect("&lt;tag&gt; &amp; &quot;q&quot; &apos;a&apos;", "<tag> & \"q\" 'a'\n");
	expect("caf&eacute; &euro;5 &mdash; &hellip; &copy; &trade;", "caf\u00e9 \u20ac5 \u2014 \u2026 \u00a9 \u2122\n");
	expect("&#233;&#xE9;&#XE9;&#x1F600;", "\u00e9\u00e9\u00e9\U0001f600\n");
	/* invalid numerics are U+FFFD; 0x80-0x9F as windows-1252 */
	expect("a&#0;b&#xD800;c&#x110000;d&#99999999999;e", "a\ufffdb\ufffdc\ufffdd\ufffde\n");
	expect("&#150; &#x93;x&#x94;", "\u2013 \u201cx\u201d\n");
	/* unknown entities and bare ampersands stay as written */
	expect("&bogus; AT&T &#; &#x; a & b", "&bogus; AT&T &#; &#x; a & b\n");
	/* legacy entities without ';' */
	expect("&amp &lt &copy 2024 &ampx", "& < \u00a9 2024 &ampx\n");
	/* nbsp does not collapse; soft hyphen disappears */
	expect("a&nbsp;&nbsp;b co&shy;operate", "a  b cooperate\n");
}

static void test_dropped(void **state)
{
	(void)state;
	expect("<html><head><title>T</title><style>p{color:red}</style><meta charset=x></head>"
	       "<body><script>document.write('<p>x</p>')</script>Body<!-- hidden <p>no</p> -->text"
	       "<STYLE type=text/css>.a{}</STYLE></body></html>",
	       "Bodytext\n");
	expect("<script>never closed <p>lost", "");
	expect("<!DOCTYPE html><?xml version=\"1.0\"?>x", "x\n");
	expect("a <!-- unclosed comment", "a\n");
	expect("a<b", "a\n");
	expect("a < b and c<3", "a < b and c<3\n");
	expect("<p title=\"x > y\">attr with gt</p>", "attr with gt\n");
	expect("<head>no body tag but text</head>", "");
	expect("<body>invalid \xff byte</body>", "invalid \ufffd byte\n");
}

static void test_bounded_nesting(void **state)
{
	(void)state;
	/* 10,000 nested lists and quotes: indentation stops at the limit, no stack growth */
	size_t reps = 10000;
	struct buf in;
	buf_init(&in, 1 << 22);
	for (size_t i = 0; i < reps; i++)
		assert_int_equal(buf_append_str(&in, "<blockquote><ul><li>"), BUF_OK);
	assert_int_equal(buf_append_str(&in, "deep"), BUF_OK);
	char *s = conv(buf_data(&in), buf_len(&in), 0);
	const char *deep = strstr(s, "deep");
	assert_non_null(deep);
	/* the line holding "deep": quote marks and indentation of HTML2TEXT_MAX_DEPTH levels */
	const char *line = deep;
	while (line > s && line[-1] != '\n')
		line--;
	size_t want = HTML2TEXT_MAX_DEPTH + 1 + 2 * (HTML2TEXT_MAX_DEPTH - 1) + 2;
	assert_int_equal((size_t)(deep - line), want);
	free(s);
	buf_free(&in);
}

static void test_many_links_bounded(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in, 1 << 22);
	for (int i = 0; i < HTML2TEXT_MAX_LINKS + 50; i++)
		assert_int_equal(buf_printf(&in, "<a href=\"https://e.org/%d\">l</a> ", i), BUF_OK);
	char *s = conv(buf_data(&in), buf_len(&in), 0);
	char last[64];
	snprintf(last, sizeof last, "[%d] https://e.org/%d\n", HTML2TEXT_MAX_LINKS, HTML2TEXT_MAX_LINKS - 1);
	assert_non_null(strstr(s, last));
	snprintf(last, sizeof last, "[%d]", HTML2TEXT_MAX_LINKS + 1);
	assert_null(strstr(s, last));
	free(s);
	buf_free(&in);
}

static char *slurp(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/unit/data/mime/%s", TOP_SRCDIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *data = malloc(1 << 20);
	assert_non_null(data);
	*len = fread(data, 1, (1 << 20) - 1, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

static void test_corpus_newsletter(void **state)
{
	(void)state;
	size_t n, wn;
	char *in = slurp("html-newsletter.html", &n);
	char *want = slurp("html-newsletter.expected", &wn);
	char *s = conv(in, n, 0);
	if (strcmp(s, want) != 0)
		fail_msg("newsletter:\n%s\n---- want ----\n%s", s, want);
	free(s);
	/* random truncations: no crash, valid UTF-8, ASan clean */
	unsigned seed = 4242;
	for (int r = 0; r < 300; r++) {
		seed = seed * 1103515245u + 12345u;
		size_t cut = (seed >> 8) % (n + 1);
		free(conv(in, cut, r & 1 ? HTML2TEXT_NO_LINKS : 0));
	}
	free(in);
	free(want);
}

static void test_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(html2text(&b, "<p>a long paragraph of text</p>", 31, 0), BUF_TOO_BIG);
	assert_true(buf_len(&b) <= 10);
	buf_free(&b);
}

static void test_find_filter(void **state)
{
	(void)state;
	char dir[] = "/tmp/skua-h2t-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_null(html2text_find_filter(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/lynx", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_null(html2text_find_filter(dir)); /* not executable */
	assert_int_equal(chmod(path, 0755), 0);
	char list[300];
	snprintf(list, sizeof list, "/nonexistent::%s", dir);
	const char *cmd = html2text_find_filter(list);
	assert_non_null(cmd);
	assert_memory_equal(cmd, "lynx -dump -stdin", 17);
	snprintf(path, sizeof path, "%s/w3m", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	cmd = html2text_find_filter(list);
	assert_memory_equal(cmd, "w3m -dump -T text/html", 22);
	unlink(path);
	snprintf(path, sizeof path, "%s/lynx", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_and_whitespace),
		cmocka_unit_test(test_pre),
		cmocka_unit_test(test_lists_and_quotes),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_bounded_nesting),
		cmocka_unit_test(test_many_links_bounded),
		cmocka_unit_test(test_corpus_newsletter),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_find_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
