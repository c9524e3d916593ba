/* raft_glue: see raft_glue.h. */
#include "node/raft/raft_glue.h"

#include <string.h>

/* The disk log takes entries whose length is a multiple of 8, so each entry is padded
 * with 1 to 8 bytes, each holding the padding's length. */
size_t kyoso_glue_padded_size(size_t size) {
  return size + (8 - size % 8);
}

void kyoso_glue_pad(unsigned char* entry, size_t size) {
  size_t padding = 8 - size % 8;
  memset(entry + size, (int)padding, padding);
}

static int unpadded_size(const struct raft_buffer* buf, size_t* size) {
  const unsigned char* bytes = buf->base;
  size_t padding;
  if (buf->len == 0 || buf->len % 8 != 0) return RAFT_MALFORMED;
  padding = bytes[buf->len - 1];
  if (padding < 1 || padding > 8) return RAFT_MALFORMED;
  *size = buf->len - padding;
  return 0;
}

/* libraft applies entries in order and records each as applied right after it, so the
 * entry being applied is the one after the last applied. */
static int glue_apply(struct raft_fsm* fsm, const struct raft_buffer* buf, void** result) {
  struct fsm_glue* glue = fsm->data;
  size_t size = 0;
  int rv = unpadded_size(buf, &size);
  *result = NULL;
  if (rv != 0) return rv;
  return glue->user.apply(glue->user.user, raft_last_applied(glue->raft) + 1, buf->base, size);
}

/* Snapshots are taken when everything committed has been applied. */
static int glue_snapshot(struct raft_fsm* fsm, struct raft_buffer* bufs[], unsigned* n_bufs) {
  struct fsm_glue* glue = fsm->data;
  void* data = NULL;
  size_t size = 0;
  int rv = glue->user.snapshot(glue->user.user, raft_last_applied(glue->raft), &data, &size);
  if (rv != 0) return rv;
  *bufs = raft_malloc(sizeof **bufs);
  if (*bufs == NULL) {
    raft_free(data);
    return RAFT_NOMEM;
  }
  (*bufs)[0].base = data;
  (*bufs)[0].len = size;
  *n_bufs = 1;
  return 0;
}

/* On success the state machine owns the buffer, and frees it. */
static int glue_restore(struct raft_fsm* fsm, struct raft_buffer* buf) {
  struct fsm_glue* glue = fsm->data;
  int rv = glue->user.restore(glue->user.user, buf->base, buf->len);
  if (rv == 0) raft_free(buf->base);
  return rv;
}

void kyoso_glue_init(struct fsm_glue* glue, const kyoso_raft_fsm* user) {
  memset(glue, 0, sizeof *glue);
  glue->user = *user;
  glue->fsm.version = 1;
  glue->fsm.data = glue;
  glue->fsm.apply = glue_apply;
  glue->fsm.snapshot = glue_snapshot;
  glue->fsm.restore = glue_restore;
}
