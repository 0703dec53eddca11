/* AES-256-GCM files for the ID check's images: see book_idcrypt.h. */
#include "book_idcrypt.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "PLID\x01"
#define HDR 5
#define NONCE 12
#define TAG 16

int book_idcrypt_load_key(const char *path, unsigned char key[BOOK_IDCRYPT_KEY_LEN], char *err,
                          size_t errsize) {
  gchar *text = NULL;
  gsize n = 0;
  if (!path || !*path || !g_file_get_contents(path, &text, &n, NULL)) {
    g_snprintf(err, errsize, "cannot read %s (run scripts/setup-var)", path ? path : "(none)");
    return -1;
  }
  gchar *t = g_strstrip(text);
  int ok = strlen(t) == 2 * BOOK_IDCRYPT_KEY_LEN;
  for (size_t i = 0; ok && i < BOOK_IDCRYPT_KEY_LEN; i++) {
    int hi = g_ascii_xdigit_value(t[2 * i]), lo = g_ascii_xdigit_value(t[2 * i + 1]);
    if (hi < 0 || lo < 0) ok = 0;
    else key[i] = (unsigned char)(hi << 4 | lo);
  }
  memset(text, 0, n);
  g_free(text);
  if (!ok) {
    memset(key, 0, BOOK_IDCRYPT_KEY_LEN);
    g_snprintf(err, errsize, "%s must hold 64 hexadecimal characters (32 random bytes)", path);
    return -1;
  }
  return 0;
}

/* header || name: the additional data. */
static unsigned char *aad_of(const unsigned char *hdr, const char *name, size_t *n) {
  size_t nl = strlen(name);
  unsigned char *a = g_malloc(HDR + NONCE + nl);
  memcpy(a, hdr, HDR + NONCE);
  memcpy(a + HDR + NONCE, name, nl);
  *n = HDR + NONCE + nl;
  return a;
}

int book_idcrypt_seal(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *name,
                      const unsigned char *in, size_t len, unsigned char **out, size_t *outlen) {
  if (len > (size_t)G_MAXINT - BOOK_IDCRYPT_OVERHEAD) return -1;
  unsigned char *o = g_malloc(len + BOOK_IDCRYPT_OVERHEAD);
  memcpy(o, MAGIC, HDR);
  if (RAND_bytes(o + HDR, NONCE) != 1) {
    g_free(o);
    return -1;
  }
  size_t an;
  unsigned char *aad = aad_of(o, name, &an);
  EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
  int l1 = 0, l2 = 0;
  int ok = cx && EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
           EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1 &&
           EVP_EncryptInit_ex(cx, NULL, NULL, key, o + HDR) == 1 &&
           EVP_EncryptUpdate(cx, NULL, &l1, aad, (int)an) == 1 &&
           EVP_EncryptUpdate(cx, o + HDR + NONCE, &l1, in, (int)len) == 1 &&
           EVP_EncryptFinal_ex(cx, o + HDR + NONCE + l1, &l2) == 1 &&
           EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, TAG, o + HDR + NONCE + len) == 1;
  EVP_CIPHER_CTX_free(cx);
  g_free(aad);
  if (!ok || (size_t)(l1 + l2) != len) {
    g_free(o);
    return -1;
  }
  *out = o;
  *outlen = len + BOOK_IDCRYPT_OVERHEAD;
  return 0;
}

int book_idcrypt_open(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *name,
                      const unsigned char *in, size_t len, unsigned char **out, size_t *outlen) {
  if (len < BOOK_IDCRYPT_OVERHEAD || memcmp(in, MAGIC, HDR) != 0 || len > (size_t)G_MAXINT)
    return -1;
  size_t n = len - BOOK_IDCRYPT_OVERHEAD;
  unsigned char *o = g_malloc(n ? n : 1);
  size_t an;
  unsigned char *aad = aad_of(in, name, &an);
  unsigned char tag[TAG];
  memcpy(tag, in + len - TAG, TAG);
  EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
  int l1 = 0, l2 = 0;
  int ok = cx && EVP_DecryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
           EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1 &&
           EVP_DecryptInit_ex(cx, NULL, NULL, key, in + HDR) == 1 &&
           EVP_DecryptUpdate(cx, NULL, &l1, aad, (int)an) == 1 &&
           EVP_DecryptUpdate(cx, o, &l1, in + HDR + NONCE, (int)n) == 1 &&
           EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1 &&
           EVP_DecryptFinal_ex(cx, o + l1, &l2) == 1;
  EVP_CIPHER_CTX_free(cx);
  g_free(aad);
  if (!ok || (size_t)(l1 + l2) != n) {
    memset(o, 0, n);
    g_free(o);
    return -1;
  }
  *out = o;
  *outlen = n;
  return 0;
}

int book_idcrypt_write_file(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *dir,
                            const char *name, const unsigned char *data, size_t len) {
  unsigned char *sealed = NULL;
  size_t sn = 0;
  if (book_idcrypt_seal(key, name, data, len, &sealed, &sn)) return -1;
  if (g_mkdir_with_parents(dir, 0700) != 0) {
    g_free(sealed);
    return -1;
  }
  char *path = g_build_filename(dir, name, NULL);
  char *tmp = g_strconcat(path, ".tmp", NULL);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int ok = fd >= 0;
  size_t off = 0;
  while (ok && off < sn) {
    ssize_t w = write(fd, sealed + off, sn - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ok = 0;
    else off += (size_t)w;
  }
  if (ok && fsync(fd) != 0) ok = 0;
  if (fd >= 0 && close(fd) != 0) ok = 0;
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) g_unlink(tmp);
  g_free(sealed);
  g_free(tmp);
  g_free(path);
  return ok ? 0 : -1;
}

int book_idcrypt_read_file(const unsigned char key[BOOK_IDCRYPT_KEY_LEN], const char *dir,
                           const char *name, unsigned char **out, size_t *outlen) {
  char *path = g_build_filename(dir, name, NULL);
  gchar *buf = NULL;
  gsize n = 0;
  int ok = g_file_get_contents(path, &buf, &n, NULL);
  g_free(path);
  if (!ok) return -1;
  int rc = book_idcrypt_open(key, name, (unsigned char *)buf, n, out, outlen);
  g_free(buf);
  return rc;
}
