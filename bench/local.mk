## bench/: benchmarks (not tests). `make bench` builds and runs them; each prints figures.
bench: $(SKUA_BENCHES)
	@for b in $(SKUA_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
.PHONY: bench
SKUA_BENCHES =
EXTRA_PROGRAMS = $(SKUA_BENCHES)
CLEANFILES += $(SKUA_BENCHES)
