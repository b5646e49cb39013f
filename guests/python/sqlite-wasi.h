/* Included before SQLite's amalgamation when it is compiled for wasm32-wasi
 * (scripts/python). SQLite's Unix layer names a few POSIX calls and
 * constants that wasi-libc does not have: file modes and owners, and fcntl's
 * record locks. A WASI program is one process with no users, so it is built
 * with the "unix-none" VFS as its default (no file locks are taken) and these
 * stand-ins only have to let the Unix layer compile. */
#include <fcntl.h>
#include <sys/types.h>

#ifndef F_GETLK
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif
#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif

/* WASI files have no mode bits or owners: there is nothing to change. */
static inline int fchmod(int fd, mode_t mode) { (void)fd; (void)mode; return 0; }
static inline int fchown(int fd, uid_t owner, gid_t group) { (void)fd; (void)owner; (void)group; return 0; }
/* Not root, so SQLite never tries to hand a file to another owner. */
static inline uid_t geteuid(void) { return 1; }
