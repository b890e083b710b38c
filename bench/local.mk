## bench/: benchmarks (not tests). `make bench` builds and runs them; each prints figures.
bench: $(SKUA_BENCHES)
	@for b in $(SKUA_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
.PHONY: bench
SKUA_BENCHES =
EXTRA_PROGRAMS = $(SKUA_BENCHES)
CLEANFILES += $(SKUA_BENCHES)
## parser throughput (src/imap/parser.h)
SKUA_BENCHES += bench/bench_parser
bench_bench_parser_SOURCES = bench/bench_parser.c
bench_bench_parser_LDADD = $(SKUA_CORE_LIBS)
## threads (src/mail/thread.h)
SKUA_BENCHES += bench/bench_thread
bench_bench_thread_SOURCES = bench/bench_thread.c
bench_bench_thread_LDADD = $(SKUA_CORE_LIBS)
## open
## opening INBOX through the model against the servers (src/mail/model.h); bench/open.sh
## starts the servers and prints the table, bench_open alone only says so
SKUA_BENCHES += bench/bench_open
bench_bench_open_SOURCES = bench/bench_open.c
bench_bench_open_LDADD = $(SKUA_CORE_LIBS)
EXTRA_DIST += bench/open.sh
