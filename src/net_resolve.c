/* net_resolve — host names to addresses without blocking the loop, and loopback tests.
 *
 * getaddrinfo() blocks, so a name is resolved on a detached helper thread that signals the loop
 * through a socketpair. The job is reference-counted by the thread and the connection: whichever
 * lets go last frees it, so a connection closed mid-resolve simply abandons the answer. Numeric
 * hosts never take this path (AI_NUMERICHOST does not block). */
#include "config.h"

#include "net_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct net_resolve {
	atomic_int refs;
	atomic_int done;
	int fds[2]; /* [0] polled by the loop, [1] written by the thread */
	char *host;
	char port[8];
	int family;
	struct addrinfo *res;
	int gai_err;
	int sys_err;
};

static void resolve_unref(struct net_resolve *r)
{
	if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
		return;
	close(r->fds[0]);
	close(r->fds[1]);
	if (r->res)
		freeaddrinfo(r->res);
	free(r->host);
	free(r);
}

static void fill_hints(struct addrinfo *h, int family, int flags)
{
	memset(h, 0, sizeof *h);
	h->ai_family = family;
	h->ai_socktype = SOCK_STREAM;
	h->ai_protocol = IPPROTO_TCP;
	h->ai_flags = flags | AI_NUMERICSERV;
}

static void *resolve_thread(void *arg)
{
	struct net_resolve *r = arg;
	struct addrinfo hints;
	fill_hints(&hints, r->family, 0);
	r->gai_err = getaddrinfo(r->host, r->port, &hints, &r->res);
	if (r->gai_err == EAI_SYSTEM)
		r->sys_err = errno;
	atomic_store_explicit(&r->done, 1, memory_order_release);
	char b = 1;
	ssize_t w = send(r->fds[1], &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
	resolve_unref(r);
	return NULL;
}

struct net_resolve *net_resolve_start(const char *host, unsigned port, int family, int *fd_out)
{
	struct net_resolve *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->host = strdup(host);
	if (!r->host) {
		free(r);
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, r->fds) < 0) {
		free(r->host);
		free(r);
		return NULL;
	}
	snprintf(r->port, sizeof r->port, "%u", port);
	r->family = family;
	atomic_init(&r->refs, 2);
	atomic_init(&r->done, 0);

	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	sigfillset(&all);
	int e = pthread_attr_init(&attr);
	if (e == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		/* the helper takes no signals: they belong to the loop's thread */
		pthread_sigmask(SIG_SETMASK, &all, &old);
		e = pthread_create(&tid, &attr, resolve_thread, r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	if (e != 0) {
		atomic_store(&r->refs, 1);
		resolve_unref(r);
		errno = e;
		return NULL;
	}
	*fd_out = r->fds[0];
	return r;
}

int net_resolve_finish(struct net_resolve *r, struct addrinfo **res, char *msg, size_t msglen)
{
	char b[8];
	ssize_t n = recv(r->fds[0], b, sizeof b, MSG_DONTWAIT);
	(void)n;
	if (!atomic_load_explicit(&r->done, memory_order_acquire))
		return 0;
	if (r->gai_err) {
		snprintf(msg, msglen, "%s",
			 r->gai_err == EAI_SYSTEM ? strerror(r->sys_err) : gai_strerror(r->gai_err));
		return -1;
	}
	if (!r->res) {
		snprintf(msg, msglen, "no address");
		return -1;
	}
	*res = r->res;
	r->res = NULL;
	return 1;
}

void net_resolve_release(struct net_resolve **rp)
{
	if (rp && *rp) {
		resolve_unref(*rp);
		*rp = NULL;
	}
}

int net_resolve_numeric(const char *host, unsigned port, int family, struct addrinfo **res, char *msg,
			size_t msglen)
{
	struct addrinfo hints;
	char portstr[8];
	fill_hints(&hints, family, AI_NUMERICHOST);
	snprintf(portstr, sizeof portstr, "%u", port);
	int e = getaddrinfo(host, portstr, &hints, res);
	if (e == 0)
		return 0;
	if (e == EAI_NONAME)
		return 1;
	snprintf(msg, msglen, "%s", e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e));
	return -1;
}

/* ---- loopback ---- */

static bool in4_is_loopback(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

static bool in6_is_loopback(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

bool net_addr_is_loopback(const struct sockaddr *sa)
{
	if (!sa)
		return false;
	/* Copy out of the generic pointer rather than read sa_family through a cast of a
	 * differently typed object: at -O2 strict aliasing lets the compiler reorder such loads. */
	sa_family_t family;
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof family);
	if (family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		return in4_is_loopback(&in.sin_addr);
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		return in6_is_loopback(&in6.sin6_addr);
	}
	return false;
}

bool net_host_is_loopback(const char *host)
{
	if (!host || !*host)
		return false;
	char tmp[64];
	size_t n = strlen(host);
	if (n >= sizeof tmp)
		return false;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
	} else {
		memcpy(tmp, host, n + 1);
	}
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, tmp, &a4) == 1)
		return in4_is_loopback(&a4);
	if (inet_pton(AF_INET6, tmp, &a6) == 1)
		return in6_is_loopback(&a6);
	n = strlen(tmp);
	if (n > 0 && tmp[n - 1] == '.') /* "localhost." */
		tmp[--n] = '\0';
	static const char suffix[] = ".localhost";
	size_t sl = sizeof suffix - 1;
	return strcasecmp(tmp, "localhost") == 0 || (n > sl && strcasecmp(tmp + n - sl, suffix) == 0);
}
