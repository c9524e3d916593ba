/* raft_glue: the state machine glue between libraft and a kyoso_raft_fsm, shared by the
 * real server and the simulated cluster (internal to the raft shim, compiled as C). */
#ifndef KYOSO_NODE_RAFT_RAFT_GLUE_H
#define KYOSO_NODE_RAFT_RAFT_GLUE_H

#include <raft.h>
#include <stddef.h>

#include "node/raft/raft_shim.h"

struct fsm_glue {
  struct raft_fsm fsm;
  kyoso_raft_fsm user;
  struct raft* raft;
};

/* Fills `glue` to forward libraft's state machine calls to `user`; set glue->raft next. */
void kyoso_glue_init(struct fsm_glue* glue, const kyoso_raft_fsm* user);

/* The disk log takes entries whose length is a multiple of 8, so each entry is padded
 * with 1 to 8 bytes, each holding the padding's length: the padded size of an entry of
 * `size` bytes, and the padding written after those bytes. */
size_t kyoso_glue_padded_size(size_t size);
void kyoso_glue_pad(unsigned char* entry, size_t size);

#endif /* KYOSO_NODE_RAFT_RAFT_GLUE_H */
