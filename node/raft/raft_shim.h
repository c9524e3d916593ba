/* raft_shim: the C interface between kyoso-node and libraft 0.22.
 *
 * libraft's raft.h cannot be compiled as C++ (it declares types inside sizeof), so
 * this header, which C and C++ both read, is all the rest of the node sees of it. The
 * shim is compiled as C. It runs one raft server on a libuv loop with the library's
 * disk log (auto-recovery of corrupt segments off) and a TCP transport (mutual TLS, or
 * libraft's plaintext one for a development cluster), and, for tests,
 * a whole simulated cluster on the library's deterministic fixture.
 *
 * Threading: every function except kyoso_raft_wake and kyoso_raft_run runs on the loop
 * thread (inside a callback of the shim), as do all callbacks. Errors are libraft codes
 * (0 is success); kyoso_raft_strerror names them.
 */
#ifndef KYOSO_NODE_RAFT_SHIM_H
#define KYOSO_NODE_RAFT_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The replicated state machine. Every callback runs on the loop thread. */
typedef struct kyoso_raft_fsm {
  void* user;
  /* Applies the committed command entry at `index`. Non-zero is fatal to the server. */
  int (*apply)(void* user, uint64_t index, const void* data, size_t size);
  /* Describes the applied state at `index`; *data must come from kyoso_raft_malloc. */
  int (*snapshot)(void* user, uint64_t index, void** data, size_t* size);
  /* Replaces the state with the one a snapshot description names. */
  int (*restore)(void* user, const void* data, size_t size);
} kyoso_raft_fsm;

enum kyoso_raft_state {
  KYOSO_RAFT_UNAVAILABLE = 0,
  KYOSO_RAFT_FOLLOWER = 1,
  KYOSO_RAFT_CANDIDATE = 2,
  KYOSO_RAFT_LEADER = 3,
};

/* The libraft error codes the node acts on (checked against raft.h in the shim). */
enum kyoso_raft_error {
  KYOSO_RAFT_NOTLEADER = 7,
  KYOSO_RAFT_LEADERSHIPLOST = 8,
  KYOSO_RAFT_SHUTDOWN = 9,
  KYOSO_RAFT_CANTBOOTSTRAP = 10,
  KYOSO_RAFT_CORRUPT = 12,
};

/* Server roles in the configuration (the values of libraft). */
enum kyoso_raft_role {
  KYOSO_RAFT_STANDBY = 0,
  KYOSO_RAFT_VOTER = 1,
  KYOSO_RAFT_SPARE = 2,
};

typedef struct kyoso_raft_server {
  uint64_t id;
  const char* address; /* Valid until the configuration next changes. */
  int role;
} kyoso_raft_server;

/* Completion of a request; status 0 when it succeeded. */
typedef void (*kyoso_raft_done_cb)(void* user, int status);

void* kyoso_raft_malloc(size_t size);
const char* kyoso_raft_strerror(int status);

/* ---- One server on a libuv loop, with the disk log and a TCP transport. ---- */

typedef struct kyoso_raft kyoso_raft;

typedef struct kyoso_raft_options {
  uint64_t id;
  const char* address; /* host:port the raft transport listens on. */
  const char* dir;     /* The raft log directory (must exist). */
  unsigned election_timeout_ms;
  unsigned heartbeat_timeout_ms;
  unsigned snapshot_threshold; /* Entries between snapshots. */
  unsigned snapshot_trailing;  /* Entries kept in the log after a snapshot. */
  unsigned tick_ms;            /* Period of the wake callback when nothing happens. */
  /* An OpenSSL SSL_CTX for mutual TLS between peers (see tls_transport.h), outliving the
   * server; NULL for libraft's plaintext TCP transport (a development cluster). */
  void* tls_context;
  /* Receives a line for each refused or failed peer connection; may be NULL. */
  void (*log)(void* user, const char* message);
  void* log_user;
} kyoso_raft_options;

/* Creates the server (not started). `wake` runs on the loop thread after kyoso_raft_wake
 * and every tick_ms. On failure returns non-zero and writes a message to `errmsg`. */
int kyoso_raft_create(const kyoso_raft_options* options, const kyoso_raft_fsm* fsm,
                      void (*wake)(void* user), void* wake_user, kyoso_raft** out, char* errmsg,
                      size_t errmsg_size);
/* Writes the first configuration when the log is pristine; RAFT_CANTBOOTSTRAP if not. */
int kyoso_raft_bootstrap(kyoso_raft* r, unsigned n, const uint64_t* ids,
                         const char* const* addresses);
/* Loads the log (restoring the last snapshot) and starts; called before run. */
int kyoso_raft_start(kyoso_raft* r);
/* Runs the loop until kyoso_raft_close has finished. Call on the raft thread. */
void kyoso_raft_run(kyoso_raft* r);
/* Thread-safe: asks the loop to run the wake callback soon. */
void kyoso_raft_wake(kyoso_raft* r);
/* Closes the server; kyoso_raft_run returns once everything is closed. */
void kyoso_raft_close(kyoso_raft* r);
/* Frees the server after kyoso_raft_run returned. */
void kyoso_raft_destroy(kyoso_raft* r);
const char* kyoso_raft_errmsg(kyoso_raft* r);

/* Proposes a command entry; *index is its log index. `done` runs once: with 0 after it
 * was applied here, or with an error when this server stopped leading first (then the
 * entry may or may not be committed later). */
int kyoso_raft_apply(kyoso_raft* r, const void* data, size_t size, uint64_t* index,
                     kyoso_raft_done_cb done, void* user);
/* Appends a barrier: `done` runs once every entry before it has been applied. */
int kyoso_raft_barrier(kyoso_raft* r, kyoso_raft_done_cb done, void* user);
int kyoso_raft_add(kyoso_raft* r, uint64_t id, const char* address, kyoso_raft_done_cb done,
                   void* user);
int kyoso_raft_assign(kyoso_raft* r, uint64_t id, int role, kyoso_raft_done_cb done, void* user);
int kyoso_raft_remove(kyoso_raft* r, uint64_t id, kyoso_raft_done_cb done, void* user);
/* Hands leadership to `id` (0: any up-to-date voter); `done` gets 0 when it moved. */
int kyoso_raft_transfer(kyoso_raft* r, uint64_t id, kyoso_raft_done_cb done, void* user);

int kyoso_raft_state(kyoso_raft* r);
uint64_t kyoso_raft_leader(kyoso_raft* r, const char** address);
uint64_t kyoso_raft_term(kyoso_raft* r);
uint64_t kyoso_raft_commit_index(kyoso_raft* r);
uint64_t kyoso_raft_last_applied(kyoso_raft* r);
/* Copies up to `max` servers of the current configuration; returns how many there are. */
unsigned kyoso_raft_servers(kyoso_raft* r, kyoso_raft_server* out, unsigned max);

/* ---- A simulated cluster on libraft's deterministic fixture (tests). ---- */

typedef struct kyoso_raft_sim kyoso_raft_sim;

/* Creates `n` voting servers (n <= 8) with their state machines, seeds each server's
 * randomness from `seed`, bootstraps and starts them. NULL on failure. */
kyoso_raft_sim* kyoso_raft_sim_create(unsigned n, const kyoso_raft_fsm* fsms, uint32_t seed,
                                      unsigned snapshot_threshold, unsigned snapshot_trailing);
void kyoso_raft_sim_destroy(kyoso_raft_sim* sim);
/* Advances to the next event; returns the simulated time in milliseconds. */
uint64_t kyoso_raft_sim_step(kyoso_raft_sim* sim);
/* The index of the leader, or n when there is none. */
unsigned kyoso_raft_sim_leader(kyoso_raft_sim* sim);
int kyoso_raft_sim_state(kyoso_raft_sim* sim, unsigned i);
uint64_t kyoso_raft_sim_last_applied(kyoso_raft_sim* sim, unsigned i);
int kyoso_raft_sim_apply(kyoso_raft_sim* sim, unsigned i, const void* data, size_t size,
                         uint64_t* index, kyoso_raft_done_cb done, void* user);
int kyoso_raft_sim_alive(kyoso_raft_sim* sim, unsigned i);
void kyoso_raft_sim_kill(kyoso_raft_sim* sim, unsigned i);
void kyoso_raft_sim_revive(kyoso_raft_sim* sim, unsigned i);
/* Cuts (or restores) the link from server i to server j, one direction only. */
void kyoso_raft_sim_disconnect(kyoso_raft_sim* sim, unsigned i, unsigned j);
void kyoso_raft_sim_reconnect(kyoso_raft_sim* sim, unsigned i, unsigned j);
/* Drops every message from i to j while set (models message loss in bursts). */
void kyoso_raft_sim_saturate(kyoso_raft_sim* sim, unsigned i, unsigned j);
void kyoso_raft_sim_desaturate(kyoso_raft_sim* sim, unsigned i, unsigned j);
void kyoso_raft_sim_set_latency(kyoso_raft_sim* sim, unsigned i, unsigned msecs);
void kyoso_raft_sim_set_disk_latency(kyoso_raft_sim* sim, unsigned i, unsigned msecs);
int kyoso_raft_sim_transfer(kyoso_raft_sim* sim, unsigned i, uint64_t id, kyoso_raft_done_cb done,
                            void* user);

#ifdef __cplusplus
}
#endif

#endif /* KYOSO_NODE_RAFT_SHIM_H */
