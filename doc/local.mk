## doc/: man pages
dist_man_MANS += doc/skua.1 doc/skua.conf.5
