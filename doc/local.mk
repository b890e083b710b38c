## doc/: man pages, and the commented example configuration (installed with the docs)
dist_man_MANS += doc/skua.1 doc/skua.conf.5
dist_doc_DATA = doc/skua.conf.example
EXTRA_DIST += doc/HACKING.md
