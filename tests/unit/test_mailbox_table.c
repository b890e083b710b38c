/* test_mailbox_table — the lazy message table: slot size, memory of untouched rows, sequence
 * bookkeeping under remove/grow storms against a reference, hidden rows and positions, UID
 * lookup, records. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/mailbox_table.h"

static void test_slot_size(void **state)
{
	(void)state;
	print_message("sizeof(struct mbx_slot) = %zu\n", sizeof(struct mbx_slot));
	assert_true(sizeof(struct mbx_slot) <= 64);
	/* an untouched row costs a share of a page header, far below a slot */
	struct mbx_table t;
	mbx_init(&t);
	assert_int_equal(mbx_resize(&t, 1000000), 0);
	assert_int_equal(t.n, 1000000);
	size_t mem = mbx_mem_usage(&t);
	print_message("1,000,000 untouched rows: %zu bytes\n", mem);
	assert_true(mem <= 1000000 / 8);
	assert_null(mbx_get(&t, 999999));
	assert_non_null(mbx_at(&t, 999999));
	assert_true(mbx_mem_usage(&t) <= mem + MBX_PAGE * sizeof(struct mbx_slot));
	assert_null(mbx_get(&t, 1000000));
	assert_null(mbx_at(&t, 1000000));
	mbx_free(&t);
}

/* Random removes (EXPUNGE), grows (EXISTS) and touches against a plain array. */
static void test_storm(void **state)
{
	(void)state;
	struct mbx_table t;
	mbx_init(&t);
	size_t cap = 200000, n = 5000;
	uint32_t *ref = malloc(cap * sizeof *ref);
	assert_non_null(ref);
	uint32_t next = 1;
	for (size_t i = 0; i < n; i++)
		ref[i] = next++;
	assert_int_equal(mbx_resize(&t, n), 0);
	srand(7);
	for (int round = 0; round < 20000; round++) {
		int op = rand() % 10;
		if (op < 4 && n) {
			size_t i = (size_t)rand() % n;
			assert_true(mbx_remove(&t, i));
			memmove(&ref[i], &ref[i + 1], (n - i - 1) * sizeof *ref);
			n--;
		} else if (op < 6 && n + 10 < cap) {
			size_t k = (size_t)rand() % 10;
			for (size_t j = 0; j < k; j++)
				ref[n + j] = next++;
			n += k;
			assert_int_equal(mbx_resize(&t, n), 0);
		} else if (n) {
			size_t i = (size_t)rand() % n;
			struct mbx_slot *s = mbx_at(&t, i);
			assert_non_null(s);
			if (s->uid)
				assert_int_equal(s->uid, ref[i]);
			s->uid = ref[i];
		}
		assert_int_equal(t.n, n);
	}
	size_t touched = 0;
	for (size_t i = 0; i < n; i++) {
		struct mbx_slot *s = mbx_get(&t, i);
		if (s && s->uid) {
			assert_int_equal(s->uid, ref[i]);
			assert_int_equal(mbx_find_uid(&t, ref[i]), i);
			touched++;
		}
	}
	assert_true(touched > 100);
	/* removing everything from the front leaves an empty table */
	while (t.n)
		assert_true(mbx_remove(&t, 0));
	assert_int_equal(t.n_pages, 0);
	assert_false(mbx_remove(&t, 0));
	free(ref);
	mbx_free(&t);
}

static size_t brute_pos_to_index(struct mbx_table *t, size_t pos, bool reverse)
{
	size_t seen = 0;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = reverse ? t->n - 1 - k : k;
		struct mbx_slot *s = mbx_get(t, i);
		if (s && (s->bits & MBX_S_HIDDEN))
			continue;
		if (seen++ == pos)
			return i;
	}
	return SIZE_MAX;
}

static void test_hidden_positions(void **state)
{
	(void)state;
	struct mbx_table t;
	mbx_init(&t);
	assert_int_equal(mbx_resize(&t, 700), 0);
	srand(3);
	for (int round = 0; round < 300; round++) {
		size_t i = (size_t)rand() % t.n;
		struct mbx_slot *s = mbx_at(&t, i);
		mbx_set_hidden(&t, s, rand() % 3 != 0);
		if (rand() % 5 == 0)
			assert_true(mbx_remove(&t, (size_t)rand() % t.n));
		if (rand() % 7 == 0)
			assert_int_equal(mbx_resize(&t, t.n + 3), 0);
		for (int rev = 0; rev < 2; rev++) {
			for (size_t p = 0; p < mbx_visible(&t); p += 1 + (size_t)rand() % 13) {
				size_t idx = mbx_pos_to_index(&t, p, rev);
				assert_int_equal(idx, brute_pos_to_index(&t, p, rev));
				assert_int_equal(mbx_index_to_pos(&t, idx, rev), p);
			}
			assert_int_equal(mbx_pos_to_index(&t, mbx_visible(&t), rev), SIZE_MAX);
		}
	}
	size_t hidden = 0;
	for (size_t i = 0; i < t.n; i++) {
		struct mbx_slot *s = mbx_get(&t, i);
		if (s && (s->bits & MBX_S_HIDDEN)) {
			hidden++;
			assert_int_equal(mbx_index_to_pos(&t, i, true), SIZE_MAX);
		}
	}
	assert_int_equal(hidden, t.n_hidden);
	mbx_free(&t);
}

static void test_uid_list(void **state)
{
	(void)state;
	struct mbx_table t;
	mbx_init(&t);
	t.uid_sorted = true;
	for (uint32_t u = 10; u < 3000; u += 3)
		assert_int_equal(mbx_append_uid(&t, u), 0);
	assert_int_equal(mbx_find_uid(&t, 10), 0);
	assert_int_equal(mbx_find_uid(&t, 13), 1);
	assert_int_equal(mbx_find_uid(&t, 2998), (2998 - 10) / 3);
	assert_int_equal(mbx_find_uid(&t, 11), SIZE_MAX);
	assert_int_equal(mbx_find_uid(&t, 5000), SIZE_MAX);
	assert_int_equal(mbx_find_uid(&t, 0), SIZE_MAX);
	assert_true(mbx_remove(&t, 1));
	assert_int_equal(mbx_find_uid(&t, 13), SIZE_MAX);
	assert_int_equal(mbx_find_uid(&t, 16), 1);
	mbx_free(&t);
}

static void test_records(void **state)
{
	(void)state;
	char longsub[3000];
	memset(longsub, 'a', sizeof longsub);
	/* a 2-byte character across the 1,000-byte cut */
	longsub[999] = (char)0xC3;
	longsub[1000] = (char)0xA9;
	longsub[sizeof longsub - 1] = '\0';
	const char *labels[] = {"\\Inbox", "Work/Projects", "Reçus"};
	struct mbx_rec_in in = {.date = 5, .internaldate = 6, .gm_thrid = 77, .size = 100,
				.attachment = true, .subject = longsub, .from = "Ann", .from_addr = NULL,
				.n_labels = 3, .labels = labels};
	struct mbx_rec *r = mbx_rec_new(&in);
	assert_non_null(r);
	assert_int_equal(strlen(r->subject), 999);
	assert_string_equal(r->from, "Ann");
	assert_string_equal(r->from_addr, "");
	assert_int_equal(r->n_labels, 3);
	assert_string_equal(r->labels[2], "Reçus");
	assert_int_equal(r->gm_thrid, 77);
	assert_true(r->attachment);
	const char *nl[] = {"Travel"};
	struct mbx_rec *r2 = mbx_rec_relabel(r, nl, 1);
	assert_non_null(r2);
	assert_int_equal(r2->n_labels, 1);
	assert_string_equal(r2->labels[0], "Travel");
	assert_string_equal(r2->subject, r->subject);
	struct mbx_table t;
	mbx_init(&t);
	assert_int_equal(mbx_resize(&t, 3), 0);
	struct mbx_slot *s = mbx_at(&t, 1);
	mbx_set_rec(&t, s, r);
	mbx_set_rec(&t, s, r2); /* frees r */
	assert_int_equal(t.n_recs, 1);
	assert_true(mbx_remove(&t, 1)); /* frees r2 */
	assert_int_equal(t.n_recs, 0);
	mbx_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_size),
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_hidden_positions),
		cmocka_unit_test(test_uid_list),
		cmocka_unit_test(test_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
