/* File-system helpers for the recorder: safe names, private directories and
 * files, SHA-256 of a file, atomic replacement. Everything created here is
 * owner-only (directories 0700, files 0600) whatever the process umask, and
 * only below a directory the caller already trusts. */
#ifndef PARLOUR_REC_FS_H
#define PARLOUR_REC_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A room, participant or track id that may become part of a path: 1-128
 * characters from [A-Za-z0-9_.:@-] (the control API's alphabet), not starting
 * with '.' (so never "." or ".." or a hidden file) and without "..". */
bool rec_fs_id_valid(const char *id);

/* Creates dir (one level) 0700, or accepts it if it exists as a real
 * directory (not a symlink) owned by us, and then forces its mode to 0700.
 * Returns 0 or -1 with errno set. */
int rec_fs_private_dir(const char *path);

/* Creates a new empty file 0600 (O_EXCL|O_NOFOLLOW: never reuses or follows
 * anything that was there). Returns 0 or -1 with errno set. */
int rec_fs_create_private_file(const char *path);

/* SHA-256 (OpenSSL EVP) of the file as 64 lowercase hex chars into hex[65],
 * and its size. Returns 0 or -1 with errno set. */
int rec_fs_sha256_file(const char *path, char hex[65], int64_t *size_out);

/* Writes data to dir/name atomically: dir/name.tmp (0600, O_EXCL), write,
 * fsync, rename over dir/name, fsync dir. A crash leaves either the old file
 * or the new one, never half of one. Returns 0 or -1 with errno set. */
int rec_fs_write_atomic(const char *dir, const char *name, const char *data, size_t len);

#endif
