// CGroveSys: the few Linux headers Swift's Glibc module does not export
// (epoll, eventfd, signalfd, TCP options), plus tiny inline helpers for C
// macros and variadic calls that Swift cannot call directly.
// Only GroveServer/System and GroveClient's socket code import this module.
#ifndef CGROVESYS_H
#define CGROVESYS_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <unistd.h>

/// errno of the calling thread (a macro in C).
static inline int grove_errno(void) { return errno; }
static inline void grove_set_errno(int value) { errno = value; }

/// fcntl(fd, F_GETFL) / fcntl(fd, F_SETFL, flags): fcntl is variadic.
static inline int grove_fcntl_getfl(int fd) { return fcntl(fd, F_GETFL); }
static inline int grove_fcntl_setfl(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }

/// The epoll_data union as a 64-bit integer: Grove stores a registration
/// token (slot index + generation) there, never a pointer.
static inline void grove_epoll_event_set(struct epoll_event *event, uint32_t events, uint64_t token) {
    event->events = events;
    event->data.u64 = token;
}
static inline uint64_t grove_epoll_event_token(const struct epoll_event *event) { return event->data.u64; }
static inline uint32_t grove_epoll_event_events(const struct epoll_event *event) { return event->events; }

#include <poll.h>

/// ppoll(2) with a timeout in nanoseconds (negative: forever); needs _GNU_SOURCE, set in shim.c.
int grove_ppoll_ns(struct pollfd *fds, nfds_t count, long long nanos);

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC (accept4 needs _GNU_SOURCE, set in shim.c).
int grove_accept4(int fd, struct sockaddr *addr, socklen_t *len);

#endif
