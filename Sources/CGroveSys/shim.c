// CGroveSys: out-of-line helpers that need feature macros the Swift importer does not set.
#define _GNU_SOURCE
#include <sys/socket.h>
#include "CGroveSys.h"

int grove_accept4(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
