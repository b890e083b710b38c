/* test_folders — the folder list from LIST results: INBOX, special folders by attribute in the
 * fixed order (with Gmail's localised names), the rest as a tree, \Noselect nodes, the
 * subscription filter, counts carried over. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mail/folders.h"

#define S(name, attr) {name, name, '/', attr, true, false, 0, 0, 0}

static void expect(const struct folder_list *l, size_t i, const char *name, const char *label,
		   unsigned depth, enum folder_role role, bool noselect)
{
	if (i >= l->n)
		fail_msg("entry %zu missing (want %s)", i, name);
	const struct folder_entry *e = &l->v[i];
	if (strcmp(e->name, name) != 0)
		fail_msg("entry %zu: %s, want %s", i, e->name, name);
	assert_string_equal(e->label, label);
	assert_int_equal(e->depth, depth);
	assert_int_equal(e->role, role);
	assert_int_equal(e->noselect, noselect);
}

/* German Gmail: every special folder under "[Google Mail]" with localised names. */
static void test_gmail_localised(void **state)
{
	(void)state;
	const struct folder_src in[] = {
		S("[Google Mail]/Papierkorb", IMAP_MBOX_HASNOCHILDREN | IMAP_MBOX_TRASH),
		S("Work/Projects", IMAP_MBOX_HASCHILDREN),
		S("[Google Mail]", IMAP_MBOX_NOSELECT | IMAP_MBOX_HASCHILDREN),
		S("[Google Mail]/Alle Nachrichten", IMAP_MBOX_ALL),
		S("Reçus", 0),
		S("[Google Mail]/Entwürfe", IMAP_MBOX_DRAFTS),
		S("[Google Mail]/Gesendet", IMAP_MBOX_SENT),
		S("Work", IMAP_MBOX_HASCHILDREN),
		S("[Google Mail]/Markiert", IMAP_MBOX_FLAGGED),
		S("[Google Mail]/Spam", IMAP_MBOX_JUNK),
		S("INBOX", IMAP_MBOX_HASNOCHILDREN),
		S("[Google Mail]/Wichtig", IMAP_MBOX_IMPORTANT),
		S("Work/Projects/2023", 0),
		S("personal", 0),
	};
	struct folder_list l = {0};
	assert_int_equal(folders_build(&l, in, sizeof in / sizeof in[0], false, NULL), 0);
	size_t i = 0;
	expect(&l, i++, "INBOX", "INBOX", 0, FOLDER_INBOX, false);
	expect(&l, i++, "[Google Mail]/Markiert", "Markiert", 0, FOLDER_FLAGGED, false);
	expect(&l, i++, "[Google Mail]/Wichtig", "Wichtig", 0, FOLDER_IMPORTANT, false);
	expect(&l, i++, "[Google Mail]/Gesendet", "Gesendet", 0, FOLDER_SENT, false);
	expect(&l, i++, "[Google Mail]/Entwürfe", "Entwürfe", 0, FOLDER_DRAFTS, false);
	expect(&l, i++, "[Google Mail]/Alle Nachrichten", "Alle Nachrichten", 0, FOLDER_ALL, false);
	expect(&l, i++, "[Google Mail]/Spam", "Spam", 0, FOLDER_JUNK, false);
	expect(&l, i++, "[Google Mail]/Papierkorb", "Papierkorb", 0, FOLDER_TRASH, false);
	/* the tree: "[Google Mail]" has nothing left under it and is not shown */
	expect(&l, i++, "personal", "personal", 0, FOLDER_NORMAL, false);
	expect(&l, i++, "Reçus", "Reçus", 0, FOLDER_NORMAL, false);
	expect(&l, i++, "Work", "Work", 0, FOLDER_NORMAL, false);
	expect(&l, i++, "Work/Projects", "Projects", 1, FOLDER_NORMAL, false);
	expect(&l, i++, "Work/Projects/2023", "2023", 2, FOLDER_NORMAL, false);
	assert_int_equal(l.n, i);
	assert_string_equal(folders_special(&l, FOLDER_ALL)->name, "[Google Mail]/Alle Nachrichten");
	assert_null(folders_special(&l, FOLDER_ARCHIVE));
	assert_int_equal(folders_find(&l, "Work/Projects"), 11);
	assert_int_equal(folders_find(&l, "nope"), SIZE_MAX);
	folders_free(&l);
}

/* Parents the server did not list, or listed \Noselect, are tree nodes. */
static void test_tree_nodes(void **state)
{
	(void)state;
	const struct folder_src in[] = {
		S("lists/dev/announce", 0),
		S("Archive", IMAP_MBOX_ARCHIVE),
		S("INBOX", 0),
		S("INBOX/Receipts", 0),
		S("lists/dev", IMAP_MBOX_NOSELECT),
		S("Old", IMAP_MBOX_NOSELECT),
		S("Gone", IMAP_MBOX_NONEXISTENT),
		S("Trash", IMAP_MBOX_TRASH | IMAP_MBOX_HASNOCHILDREN),
		S("Archive/2020", 0),
	};
	struct folder_list l = {0};
	assert_int_equal(folders_build(&l, in, sizeof in / sizeof in[0], false, NULL), 0);
	size_t i = 0;
	expect(&l, i++, "INBOX", "INBOX", 0, FOLDER_INBOX, false);
	expect(&l, i++, "Archive", "Archive", 0, FOLDER_ARCHIVE, false);
	expect(&l, i++, "Trash", "Trash", 0, FOLDER_TRASH, false);
	/* Archive/2020 hangs under a special folder: the parent shows in the tree again */
	expect(&l, i++, "Archive", "Archive", 0, FOLDER_NORMAL, false);
	expect(&l, i++, "Archive/2020", "2020", 1, FOLDER_NORMAL, false);
	expect(&l, i++, "INBOX", "INBOX", 0, FOLDER_NORMAL, false);
	expect(&l, i++, "INBOX/Receipts", "Receipts", 1, FOLDER_NORMAL, false);
	expect(&l, i++, "lists", "lists", 0, FOLDER_NORMAL, true);
	expect(&l, i++, "lists/dev", "dev", 1, FOLDER_NORMAL, true);
	expect(&l, i++, "lists/dev/announce", "announce", 2, FOLDER_NORMAL, false);
	assert_int_equal(l.n, i); /* "Old" (\Noselect, empty) and \NonExistent "Gone" are left out */
	/* folders_find prefers the selectable entry */
	assert_int_equal(folders_find(&l, "Archive"), 1);
	folders_free(&l);
}

/* Subscribed only: INBOX and special folders stay; counts survive a rebuild. */
static void test_subscribed_and_counts(void **state)
{
	(void)state;
	struct folder_src in[] = {
		{"INBOX", "INBOX", '.', 0, false, true, 10, 2, 1},
		{"Sent", "Sent", '.', IMAP_MBOX_SENT, false, false, 0, 0, 0},
		{"a", "a", '.', 0, true, false, 0, 0, 0},
		{"a.b", "a.b", '.', 0, false, false, 0, 0, 0},
		{"c.d", "c.d", '.', 0, true, false, 0, 0, 0},
		{"Caf&AOk-", "Caf&AOk-", '.', 0, true, false, 0, 0, 0},
	};
	in[5].name = "Café";
	struct folder_list l = {0};
	assert_int_equal(folders_build(&l, in, 6, true, NULL), 0);
	size_t i = 0;
	expect(&l, i++, "INBOX", "INBOX", 0, FOLDER_INBOX, false);
	expect(&l, i++, "Sent", "Sent", 0, FOLDER_SENT, false);
	expect(&l, i++, "a", "a", 0, FOLDER_NORMAL, false);
	expect(&l, i++, "c", "c", 0, FOLDER_NORMAL, true);
	expect(&l, i++, "c.d", "d", 1, FOLDER_NORMAL, false);
	expect(&l, i++, "Café", "Café", 0, FOLDER_NORMAL, false);
	assert_int_equal(l.n, i);
	assert_string_equal(l.v[5].raw, "Caf&AOk-");
	assert_true(l.v[0].has_counts);
	assert_int_equal(l.v[0].total, 10);
	assert_int_equal(l.v[0].unread, 2);
	assert_null(l.v[3].raw);
	/* counts learnt later (STATUS) are kept when LIST comes again without them */
	l.v[2].has_counts = true;
	l.v[2].total = 5;
	l.v[2].unread = 4;
	in[0].has_status = false;
	assert_int_equal(folders_build(&l, in, 6, false, &l), 0);
	size_t a = folders_find(&l, "a");
	assert_true(l.v[a].has_counts);
	assert_int_equal(l.v[a].total, 5);
	assert_int_equal(l.v[0].total, 10);
	assert_int_equal(folders_find(&l, "a.b"), a + 1);
	folders_free(&l);
}

static void test_roles(void **state)
{
	(void)state;
	assert_int_equal(folders_role(IMAP_MBOX_SENT | IMAP_MBOX_HASNOCHILDREN, false), FOLDER_SENT);
	assert_int_equal(folders_role(IMAP_MBOX_TRASH, true), FOLDER_INBOX);
	assert_int_equal(folders_role(IMAP_MBOX_HASCHILDREN, false), FOLDER_NORMAL);
	assert_int_equal(folders_role(IMAP_MBOX_FLAGGED | IMAP_MBOX_ALL, false), FOLDER_FLAGGED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmail_localised),
		cmocka_unit_test(test_tree_nodes),
		cmocka_unit_test(test_subscribed_and_counts),
		cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
