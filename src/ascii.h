/*
 * ascii — locale-independent character helpers shared by the protocol and MIME code.
 * Header only; no state.
 */
#ifndef SKUA_ASCII_H
#define SKUA_ASCII_H

/* The value of one hex digit (either case), or -1. */
static inline int ascii_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
