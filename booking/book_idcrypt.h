/* The ID check's images at rest (docs/booking.md "ID check"): each file is
 * sealed with AES-256-GCM under one key ([identity] key_file, 32 random bytes
 * as 64 hex characters, made by scripts/setup-var), a fresh random 96-bit
 * nonce per file. File layout:
 *
 *   "PLID" | 0x01 | nonce (12) | ciphertext | tag (16)
 *
 * The additional data is the 17-byte header followed by the file's own name,
 * so a file copied under another check's name does not open. Without the
 * key a file is noise; a wrong key or any changed byte fails the tag. */
#ifndef PARLOUR_BOOK_IDCRYPT_H
#define PARLOUR_BOOK_IDCRYPT_H

#include <stddef.h>

#define BOOK_IDCRYPT_KEY_LEN 32
#define BOOK_IDCRYPT_OVERHEAD (5 + 12 + 16)

/* Reads the hex key file. 0, or -1 with a one-line reason. */
int book_idcrypt_load_key(const char *path, unsigned char key[BOOK_IDCRYPT_KEY_LEN], char *err,
                          size_t errsize);

/* Seals len bytes for a file called name; *out (g_free) holds
 * len + BOOK_IDCRYPT_OVERHEAD bytes. 0 or -1. */
int book_idcrypt_seal(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *name,
                      const unsigned char *in, size_t len, unsigned char **out, size_t *outlen);

/* Opens a sealed buffer; -1 when it is not one, or the key or name is not
 * the one it was sealed with, or any byte changed. *out g_free. */
int book_idcrypt_open(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *name,
                      const unsigned char *in, size_t len, unsigned char **out, size_t *outlen);

/* Seals and writes dir/name (0600) through a temporary file, fsync and
 * rename, so a crash leaves the whole file or none. 0 or -1. */
int book_idcrypt_write_file(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *dir,
                            const char *name, const unsigned char *data, size_t len);

/* Reads and opens dir/name. 0, or -1 (missing, unreadable, or not opening). */
int book_idcrypt_read_file(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *dir,
                           const char *name, unsigned char **out, size_t *outlen);

#endif
