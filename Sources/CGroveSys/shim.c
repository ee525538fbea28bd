// CGroveSys: out-of-line helpers that need feature macros the Swift importer does not set.
#define _GNU_SOURCE
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include "CGroveSys.h"

int grove_accept4(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int grove_ppoll_ns(struct pollfd *fds, nfds_t count, long long nanos) {
    if (nanos < 0) return ppoll(fds, count, NULL, NULL);
    struct timespec ts = { .tv_sec = nanos / 1000000000LL, .tv_nsec = nanos % 1000000000LL };
    return ppoll(fds, count, &ts, NULL);
}
