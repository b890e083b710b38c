#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_cache_util.h"

int tcache_setup(void **state)
{
	struct tcache *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(t->root, sizeof t->root, "%s/skua-cache-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(t->root)) {
		free(t);
		return -1;
	}
	snprintf(t->xdg, sizeof t->xdg, "%s/xdg", t->root);
	snprintf(t->dir, sizeof t->dir, "%s/skua", t->xdg);
	setenv("XDG_CACHE_HOME", t->xdg, 1);
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int tcache_teardown(void **state)
{
	struct tcache *t = *state;
	if (t) {
		nftw(t->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(t);
	}
	*state = NULL;
	return 0;
}

struct cache *tcache_open(const char *account)
{
	return cache_open(account, NULL);
}

void tcache_msg(struct tcache *t, struct cache_msg *m, uint32_t uid)
{
	memset(m, 0, sizeof *m);
	snprintf(t->text[0], sizeof t->text[0], "=?utf-8?q?Subject_=C3=A9_%u?=", uid);
	snprintf(t->text[1], sizeof t->text[1], "Subject \xc3\xa9 %u", uid);
	snprintf(t->text[2], sizeof t->text[2], "Sender %u", uid % 97);
	snprintf(t->text[3], sizeof t->text[3], "sender%u@example.org", uid % 97);
	snprintf(t->text[4], sizeof t->text[4], "Me <me@example.org>, Other %u", uid % 13);
	snprintf(t->text[5], sizeof t->text[5], "<%u.%u@example.org>", uid, uid * 7);
	snprintf(t->text[6], sizeof t->text[6], "<%u.%u@example.org>", uid - 1, (uid - 1) * 7);
	snprintf(t->text[7], sizeof t->text[7], "<1.7@example.org> <%u.%u@example.org>", uid - 1,
		 (uid - 1) * 7);
	t->labels[0] = "\\Inbox";
	t->labels[1] = "\\Important";
	t->labels[2] = "Work/Projects";
	t->kw[0] = "$Forwarded";
	t->kw[1] = "\\Seen"; /* system flags in keywords are ignored */
	m->uid = uid;
	m->have = CACHE_HAVE_FLAGS | CACHE_HAVE_META | CACHE_HAVE_ENVELOPE | CACHE_HAVE_REFS |
		  CACHE_HAVE_GMAIL | CACHE_HAVE_LABELS | CACHE_HAVE_XFLAGS;
	m->flags = (uid % 3) ? 1u /* \Seen */ : 0;
	m->keywords = t->kw;
	m->n_keywords = 2;
	m->modseq = 1000 + uid;
	m->gm_msgid = 0x8000000000000000ull + uid;
	m->gm_thrid = 0xf000000000000000ull + uid / 4;
	m->labels = t->labels;
	m->n_labels = 3;
	m->internaldate = 1700000000 + (int64_t)uid * 60;
	m->size = 1000 + uid;
	m->date = 1700000000 + (int64_t)uid * 60 - 5;
	m->subject_raw = t->text[0];
	m->subject = t->text[1];
	m->from_name = t->text[2];
	m->from_addr = t->text[3];
	m->to = t->text[4];
	m->cc = NULL;
	m->message_id = t->text[5];
	m->in_reply_to = t->text[6];
	m->references = t->text[7];
	m->xflags = uid & 1;
}

size_t tcache_count_files(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strstr(e->d_name, needle))
			n++;
	closedir(d);
	return n;
}

bool tcache_file_exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

double tcache_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int tcache_write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}
