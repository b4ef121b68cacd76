/* Whole-file reads, bounded, and file stamps for change detection
 * (file.h). Owns no policy: what a file means is its reader's business. */
#include "admitd/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The rest of f into a *new* buffer, bounded by max_bytes; closes f unless
 * it is stdin. */
static int read_stream(FILE *f, const char *path, size_t max_bytes, char **out, size_t *len, struct adm_error *err) {
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  int rc = 0;
  while (buf != NULL) {
    if (n + 1 >= cap) {
      if (cap > max_bytes) {
        rc = adm_fail(err, ADM_ETOOBIG, path, "larger than %zu bytes", max_bytes);
        break;
      }
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        /* What was read so far is not the file: never hand it on. */
        rc = adm_fail(err, ADM_ENOMEM, path, "out of memory after %zu bytes", n);
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      if (ferror(f))
        rc = adm_fail(err, ADM_EIO, path, "read error: %s", strerror(errno));
      break;
    }
  }
  if (f != stdin)
    fclose(f);
  if (buf == NULL)
    return adm_fail(err, ADM_ENOMEM, path, "out of memory");
  if (rc == 0 && n > max_bytes)
    rc = adm_fail(err, ADM_ETOOBIG, path, "larger than %zu bytes", max_bytes);
  if (rc < 0) {
    free(buf);
    return rc;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

int adm_read_file(const char *path, size_t max_bytes, char **out, size_t *len, struct adm_error *err) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (f == NULL)
    return adm_fail(err, ADM_EIO, path, "cannot open: %s", strerror(errno));
  return read_stream(f, path, max_bytes, out, len, err);
}

int adm_read_regular_file(const char *path, size_t max_bytes, char **out, size_t *len, struct adm_error *err) {
  /* O_NONBLOCK: opening a FIFO for reading waits for a writer, which
   * would hang whoever reads (the server's signal loop, on reload). On a
   * regular file it changes nothing. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return adm_fail(err, ADM_EIO, path, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int saved = errno;
    close(fd);
    return adm_fail(err, ADM_EIO, path, "cannot stat: %s", strerror(saved));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return adm_fail(err, ADM_EINVAL, path, "not a regular file (%s); refused",
                    S_ISFIFO(st.st_mode)   ? "a FIFO"
                    : S_ISDIR(st.st_mode)  ? "a folder"
                    : S_ISSOCK(st.st_mode) ? "a socket"
                                           : "a device");
  }
  FILE *f = fdopen(fd, "rb");
  if (f == NULL) {
    close(fd);
    return adm_fail(err, ADM_ENOMEM, path, "out of memory");
  }
  return read_stream(f, path, max_bytes, out, len, err);
}

void adm_file_stamp(const char *path, struct adm_file_stamp *out) {
  struct stat st;
  memset(out, 0, sizeof *out);
  if (path == NULL || stat(path, &st) < 0)
    return;
  out->exists = 1;
  out->ino = (long long)st.st_ino;
  out->size = (long long)st.st_size;
  out->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

int adm_file_stamp_changed(const struct adm_file_stamp *a, const struct adm_file_stamp *b) {
  return a->exists != b->exists || a->ino != b->ino || a->size != b->size || a->mtime_ns != b->mtime_ns;
}

void adm_file_watch_init(struct adm_file_watch *w, const struct adm_file_stamp *loaded) {
  w->tried = *loaded;
  w->seen = *loaded;
}

bool adm_file_watch_poll(struct adm_file_watch *w, const struct adm_file_stamp *now, bool forced) {
  if (forced)
    return true;
  bool stable = !adm_file_stamp_changed(now, &w->seen);
  w->seen = *now;
  /* A file written in two steps is seen between them: wait until a whole
   * poll interval passes without a change before reading it. */
  return now->exists && stable && adm_file_stamp_changed(now, &w->tried);
}

bool adm_file_watch_settle(struct adm_file_watch *w, const struct adm_file_stamp *before,
                           const struct adm_file_stamp *after) {
  w->seen = *after;
  if (adm_file_stamp_changed(before, after))
    return false; /* the read raced a writer: discard it, try again once stable */
  w->tried = *after;
  return true;
}
