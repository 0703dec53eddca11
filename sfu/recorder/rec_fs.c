#include "recorder/rec_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool rec_fs_id_valid(const char *id) {
  if (!id) return false;
  size_t n = strlen(id);
  if (n < 1 || n > 128 || id[0] == '.') return false;
  if (strstr(id, "..")) return false;
  for (size_t i = 0; i < n; i++) {
    char c = id[i];
    if (!(g_ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '@' || c == '-'))
      return false;
  }
  return true;
}

int rec_fs_private_dir(const char *path) {
  if (mkdir(path, 0700) == 0) {
    /* mkdir applies the umask; 0700 & ~umask can only be narrower, but
     * chmod anyway so the mode is exactly what we state. */
    return chmod(path, 0700);
  }
  if (errno != EEXIST) return -1;
  struct stat st;
  if (lstat(path, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  if (st.st_uid != geteuid()) {
    errno = EPERM;
    return -1;
  }
  if ((st.st_mode & 07777) != 0700 && chmod(path, 0700) != 0) return -1;
  return 0;
}

int rec_fs_create_private_file(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (fchmod(fd, 0600) != 0) {
    int e = errno;
    close(fd);
    unlink(path);
    errno = e;
    return -1;
  }
  return close(fd);
}

int rec_fs_sha256_file(const char *path, char hex[65], int64_t *size_out) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(ctx);
    close(fd);
    errno = ENOMEM;
    return -1;
  }
  unsigned char buf[65536];
  int64_t total = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      EVP_MD_CTX_free(ctx);
      close(fd);
      errno = e;
      return -1;
    }
    if (r == 0) break;
    EVP_DigestUpdate(ctx, buf, (size_t)r);
    total += r;
  }
  close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  int ok = EVP_DigestFinal_ex(ctx, md, &mdlen);
  EVP_MD_CTX_free(ctx);
  if (ok != 1 || mdlen != 32) {
    errno = EIO;
    return -1;
  }
  for (unsigned i = 0; i < 32; i++) g_snprintf(hex + 2 * i, 3, "%02x", md[i]);
  hex[64] = '\0';
  if (size_out) *size_out = total;
  return 0;
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

int rec_fs_write_atomic(const char *dir, const char *name, const char *data, size_t len) {
  char *tmp = g_strdup_printf("%s/%s.tmp", dir, name);
  char *dst = g_strdup_printf("%s/%s", dir, name);
  int rc = -1, e = 0;
  unlink(tmp); /* a leftover of a crash: ours, in our private directory */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) goto out;
  if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
    e = errno;
    close(fd);
    unlink(tmp);
    errno = e;
    goto out;
  }
  if (close(fd) != 0 || rename(tmp, dst) != 0) {
    e = errno;
    unlink(tmp);
    errno = e;
    goto out;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd); /* the rename itself durable; failure here loses nothing */
    close(dfd);
  }
  rc = 0;
out:
  g_free(tmp);
  g_free(dst);
  return rc;
}
