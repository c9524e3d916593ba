/* raft_shim: see raft_shim.h. Compiled as C: raft.h is not valid C++. */
#include "node/raft/raft_shim.h"

#include <raft.h>
#include <raft/fixture.h>
#include <raft/uv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "node/raft/raft_glue.h"
#include "node/raft/tls_transport.h"

#define KYOSO_SAME(ours, theirs) ((int)(ours) == (int)(theirs))
_Static_assert(KYOSO_SAME(KYOSO_RAFT_NOTLEADER, RAFT_NOTLEADER) &&
                   KYOSO_SAME(KYOSO_RAFT_LEADERSHIPLOST, RAFT_LEADERSHIPLOST) &&
                   KYOSO_SAME(KYOSO_RAFT_SHUTDOWN, RAFT_SHUTDOWN) &&
                   KYOSO_SAME(KYOSO_RAFT_CANTBOOTSTRAP, RAFT_CANTBOOTSTRAP) &&
                   KYOSO_SAME(KYOSO_RAFT_CORRUPT, RAFT_CORRUPT),
               "raft error codes moved");
_Static_assert(KYOSO_SAME(KYOSO_RAFT_VOTER, RAFT_VOTER) &&
                   KYOSO_SAME(KYOSO_RAFT_STANDBY, RAFT_STANDBY) &&
                   KYOSO_SAME(KYOSO_RAFT_SPARE, RAFT_SPARE),
               "raft roles moved");
_Static_assert(KYOSO_SAME(KYOSO_RAFT_LEADER, RAFT_LEADER) &&
                   KYOSO_SAME(KYOSO_RAFT_CANDIDATE, RAFT_CANDIDATE) &&
                   KYOSO_SAME(KYOSO_RAFT_FOLLOWER, RAFT_FOLLOWER),
               "raft states moved");

void* kyoso_raft_malloc(size_t size) {
  return raft_malloc(size);
}

const char* kyoso_raft_strerror(int status) {
  return raft_strerror(status);
}

/* ---- Requests: each carries the caller's completion. ---- */

struct apply_request {
  struct raft_apply req;
  kyoso_raft_done_cb done;
  void* user;
};

static void apply_done(struct raft_apply* req, int status, void* result) {
  struct apply_request* request = req->data;
  (void)result;
  request->done(request->user, status);
  free(request);
}

static int submit_apply(struct raft* raft, const void* data, size_t size, uint64_t* index,
                        kyoso_raft_done_cb done, void* user) {
  struct apply_request* request = malloc(sizeof *request);
  struct raft_buffer buf;
  int rv;
  if (request == NULL) return RAFT_NOMEM;
  buf.len = kyoso_glue_padded_size(size);
  buf.base = raft_malloc(buf.len);
  if (buf.base == NULL) {
    free(request);
    return RAFT_NOMEM;
  }
  memcpy(buf.base, data, size);
  kyoso_glue_pad(buf.base, size);
  request->req.data = request;
  request->done = done;
  request->user = user;
  rv = raft_apply(raft, &request->req, &buf, 1, apply_done);
  if (rv != 0) {
    /* libraft has released the buffer already. */
    free(request);
    return rv;
  }
  *index = request->req.index;
  return 0;
}

struct barrier_request {
  struct raft_barrier req;
  kyoso_raft_done_cb done;
  void* user;
};

static void barrier_done(struct raft_barrier* req, int status) {
  struct barrier_request* request = req->data;
  request->done(request->user, status);
  free(request);
}

struct change_request {
  struct raft_change req;
  kyoso_raft_done_cb done;
  void* user;
};

static void change_done(struct raft_change* req, int status) {
  struct change_request* request = req->data;
  request->done(request->user, status);
  free(request);
}

static struct change_request* new_change(kyoso_raft_done_cb done, void* user) {
  struct change_request* request = malloc(sizeof *request);
  if (request == NULL) return NULL;
  request->req.data = request;
  request->done = done;
  request->user = user;
  return request;
}

/* A transfer request embeds the send request of its TimeoutNow message, which libraft may
 * still hold after the callback: requests are kept on a list and freed once the server
 * is closed. Transfers are rare (maintenance), so the list stays short. */
struct transfer_request {
  struct raft_transfer req;
  struct raft* raft;
  kyoso_raft_done_cb done;
  void* user;
  struct transfer_request* next;
};

/* libraft reports only that the transfer ended; it worked if someone else leads now. */
static void transfer_done(struct raft_transfer* req) {
  struct transfer_request* request = req->data;
  int status = raft_state(request->raft) == RAFT_LEADER ? RAFT_NOTFOUND : 0;
  request->done(request->user, status);
}

static int submit_transfer(struct raft* raft, struct transfer_request** list, uint64_t id,
                           kyoso_raft_done_cb done, void* user) {
  struct transfer_request* request = malloc(sizeof *request);
  int rv;
  if (request == NULL) return RAFT_NOMEM;
  request->req.data = request;
  request->raft = raft;
  request->done = done;
  request->user = user;
  rv = raft_transfer(raft, &request->req, id, transfer_done);
  if (rv != 0) {
    free(request);
    return rv;
  }
  request->next = *list;
  *list = request;
  return 0;
}

static void free_transfers(struct transfer_request* list) {
  while (list != NULL) {
    struct transfer_request* next = list->next;
    free(list);
    list = next;
  }
}

/* ---- One server on a libuv loop. ---- */

struct kyoso_raft {
  uv_loop_t loop;
  uv_async_t async;
  uv_timer_t timer;
  struct raft_uv_transport transport;
  bool tls;
  struct raft_io io;
  struct raft raft;
  struct fsm_glue glue;
  void (*wake)(void* user);
  void* wake_user;
  unsigned tick_ms;
  bool started;
  struct transfer_request* transfers;
};

static void on_async(uv_async_t* handle) {
  struct kyoso_raft* r = handle->data;
  r->wake(r->wake_user);
}

static void on_timer(uv_timer_t* handle) {
  struct kyoso_raft* r = handle->data;
  r->wake(r->wake_user);
}

static void close_transport(struct kyoso_raft* r) {
  if (r->tls) {
    kyoso_tls_transport_free(&r->transport);
  } else {
    raft_uv_tcp_close(&r->transport);
  }
}

int kyoso_raft_create(const kyoso_raft_options* options, const kyoso_raft_fsm* fsm,
                      void (*wake)(void* user), void* wake_user, kyoso_raft** out, char* errmsg,
                      size_t errmsg_size) {
  struct kyoso_raft* r = calloc(1, sizeof *r);
  int rv;
  if (r == NULL) return RAFT_NOMEM;
  r->wake = wake;
  r->wake_user = wake_user;
  r->tick_ms = options->tick_ms;
  kyoso_glue_init(&r->glue, fsm);
  r->glue.raft = &r->raft;
  rv = uv_loop_init(&r->loop);
  if (rv != 0) {
    snprintf(errmsg, errmsg_size, "libuv loop: %s", uv_strerror(rv));
    free(r);
    return RAFT_IOERR;
  }
  r->transport.version = 1; /* The struct versions libraft 0.22 implements. */
  r->io.version = 2;
  r->tls = options->tls_context != NULL;
  rv = r->tls ? kyoso_tls_transport_init(&r->transport, &r->loop, options->tls_context,
                                         options->log, options->log_user)
              : raft_uv_tcp_init(&r->transport, &r->loop);
  if (rv != 0) {
    snprintf(errmsg, errmsg_size, "raft transport: %s", raft_strerror(rv));
    goto err_loop;
  }
  rv = raft_uv_init(&r->io, &r->loop, options->dir, &r->transport);
  if (rv != 0) {
    snprintf(errmsg, errmsg_size, "raft log at %s: %s", options->dir, r->io.errmsg);
    goto err_transport;
  }
  /* Auto-recovery drops entries from a corrupt segment, which may have been
   * acknowledged: a node with a corrupt log must stop and say so instead. */
  raft_uv_set_auto_recovery(&r->io, false);
  rv = raft_init(&r->raft, &r->io, &r->glue.fsm, options->id, options->address);
  if (rv != 0) {
    snprintf(errmsg, errmsg_size, "raft: %s", raft_errmsg(&r->raft));
    goto err_io;
  }
  raft_set_election_timeout(&r->raft, options->election_timeout_ms);
  raft_set_heartbeat_timeout(&r->raft, options->heartbeat_timeout_ms);
  raft_set_snapshot_threshold(&r->raft, options->snapshot_threshold);
  raft_set_snapshot_trailing(&r->raft, options->snapshot_trailing);
  raft_set_pre_vote(&r->raft, true);
  /* A leader can stay in snapshot mode for a follower whose install it has in fact
     completed (it acknowledges before the leader's send finished); leaving that mode
     after a few seconds resumes replication instead of waiting for the next snapshot. */
  raft_set_install_snapshot_timeout(&r->raft, 5000);
  uv_async_init(&r->loop, &r->async, on_async);
  r->async.data = r;
  uv_timer_init(&r->loop, &r->timer);
  r->timer.data = r;
  *out = r;
  return 0;

err_io:
  raft_uv_close(&r->io);
err_transport:
  close_transport(r);
err_loop:
  uv_loop_close(&r->loop);
  free(r);
  return rv;
}

int kyoso_raft_bootstrap(kyoso_raft* r, unsigned n, const uint64_t* ids,
                         const char* const* addresses) {
  struct raft_configuration configuration;
  unsigned i;
  int rv = 0;
  raft_configuration_init(&configuration);
  for (i = 0; i < n && rv == 0; i++) {
    rv = raft_configuration_add(&configuration, ids[i], addresses[i], RAFT_VOTER);
  }
  if (rv == 0) rv = raft_bootstrap(&r->raft, &configuration);
  raft_configuration_close(&configuration);
  return rv;
}

int kyoso_raft_start(kyoso_raft* r) {
  int rv = raft_start(&r->raft);
  if (rv != 0) return rv;
  r->started = true;
  uv_timer_start(&r->timer, on_timer, r->tick_ms, r->tick_ms);
  return 0;
}

void kyoso_raft_run(kyoso_raft* r) {
  uv_run(&r->loop, UV_RUN_DEFAULT);
}

void kyoso_raft_wake(kyoso_raft* r) {
  uv_async_send(&r->async);
}

static void on_raft_closed(struct raft* raft) {
  struct kyoso_raft* r = (struct kyoso_raft*)((char*)raft - offsetof(struct kyoso_raft, raft));
  uv_close((uv_handle_t*)&r->async, NULL);
  uv_close((uv_handle_t*)&r->timer, NULL);
}

void kyoso_raft_close(kyoso_raft* r) {
  uv_timer_stop(&r->timer);
  raft_close(&r->raft, on_raft_closed);
}

void kyoso_raft_destroy(kyoso_raft* r) {
  free_transfers(r->transfers);
  raft_uv_close(&r->io);
  close_transport(r);
  uv_loop_close(&r->loop);
  free(r);
}

const char* kyoso_raft_errmsg(kyoso_raft* r) {
  return raft_errmsg(&r->raft);
}

int kyoso_raft_apply(kyoso_raft* r, const void* data, size_t size, uint64_t* index,
                     kyoso_raft_done_cb done, void* user) {
  return submit_apply(&r->raft, data, size, index, done, user);
}

int kyoso_raft_barrier(kyoso_raft* r, kyoso_raft_done_cb done, void* user) {
  struct barrier_request* request = malloc(sizeof *request);
  int rv;
  if (request == NULL) return RAFT_NOMEM;
  request->req.data = request;
  request->done = done;
  request->user = user;
  rv = raft_barrier(&r->raft, &request->req, barrier_done);
  if (rv != 0) free(request);
  return rv;
}

int kyoso_raft_add(kyoso_raft* r, uint64_t id, const char* address, kyoso_raft_done_cb done,
                   void* user) {
  struct change_request* request = new_change(done, user);
  int rv;
  if (request == NULL) return RAFT_NOMEM;
  rv = raft_add(&r->raft, &request->req, id, address, change_done);
  if (rv != 0) free(request);
  return rv;
}

int kyoso_raft_assign(kyoso_raft* r, uint64_t id, int role, kyoso_raft_done_cb done, void* user) {
  struct change_request* request = new_change(done, user);
  int rv;
  if (request == NULL) return RAFT_NOMEM;
  rv = raft_assign(&r->raft, &request->req, id, role, change_done);
  if (rv != 0) free(request);
  return rv;
}

int kyoso_raft_remove(kyoso_raft* r, uint64_t id, kyoso_raft_done_cb done, void* user) {
  struct change_request* request = new_change(done, user);
  int rv;
  if (request == NULL) return RAFT_NOMEM;
  rv = raft_remove(&r->raft, &request->req, id, change_done);
  if (rv != 0) free(request);
  return rv;
}

int kyoso_raft_transfer(kyoso_raft* r, uint64_t id, kyoso_raft_done_cb done, void* user) {
  return submit_transfer(&r->raft, &r->transfers, id, done, user);
}

int kyoso_raft_state(kyoso_raft* r) {
  return r->started ? (int)raft_state(&r->raft) : KYOSO_RAFT_UNAVAILABLE;
}

uint64_t kyoso_raft_leader(kyoso_raft* r, const char** address) {
  raft_id id = 0;
  *address = NULL;
  raft_leader(&r->raft, &id, address);
  return id;
}

uint64_t kyoso_raft_term(kyoso_raft* r) {
  return raft_current_term(&r->raft);
}

uint64_t kyoso_raft_commit_index(kyoso_raft* r) {
  return raft_commit_index(&r->raft);
}

uint64_t kyoso_raft_last_applied(kyoso_raft* r) {
  return raft_last_applied(&r->raft);
}

unsigned kyoso_raft_servers(kyoso_raft* r, kyoso_raft_server* out, unsigned max) {
  const struct raft_configuration* configuration = &r->raft.configuration;
  unsigned i;
  for (i = 0; i < configuration->n && i < max; i++) {
    out[i].id = configuration->servers[i].id;
    out[i].address = configuration->servers[i].address;
    out[i].role = configuration->servers[i].role;
  }
  return configuration->n;
}

/* ---- A simulated cluster. ---- */

static void quiet_emit(struct raft_tracer* tracer, int type, const void* info) {
  (void)tracer;
  (void)type;
  (void)info;
}

/* The fixture traces every event to stdout; a simulation of thousands of steps wants
 * only its own findings. */
static struct raft_tracer quiet_tracer = {NULL, 2, quiet_emit};

struct kyoso_raft_sim {
  struct raft_fixture fixture;
  struct fsm_glue glue[RAFT_FIXTURE_MAX_SERVERS];
  struct transfer_request* transfers;
};

kyoso_raft_sim* kyoso_raft_sim_create(unsigned n, const kyoso_raft_fsm* fsms, uint32_t seed,
                                      unsigned snapshot_threshold, unsigned snapshot_trailing) {
  struct kyoso_raft_sim* sim;
  struct raft_configuration configuration;
  unsigned i;
  if (n == 0 || n > RAFT_FIXTURE_MAX_SERVERS) return NULL;
  sim = calloc(1, sizeof *sim);
  if (sim == NULL) return NULL;
  if (raft_fixture_init(&sim->fixture) != 0) {
    free(sim);
    return NULL;
  }
  for (i = 0; i < n; i++) {
    struct raft* raft;
    kyoso_glue_init(&sim->glue[i], &fsms[i]);
    if (raft_fixture_grow(&sim->fixture, &sim->glue[i].fsm) != 0) goto err;
    raft = raft_fixture_get(&sim->fixture, i);
    sim->glue[i].raft = raft;
    raft->tracer = &quiet_tracer;
    raft_seed(raft, seed * 2654435761u + i + 1);
    raft_set_snapshot_threshold(raft, snapshot_threshold);
    raft_set_snapshot_trailing(raft, snapshot_trailing);
  }
  if (raft_fixture_configuration(&sim->fixture, n, &configuration) != 0) goto err;
  if (raft_fixture_bootstrap(&sim->fixture, &configuration) != 0) {
    raft_configuration_close(&configuration);
    goto err;
  }
  raft_configuration_close(&configuration);
  if (raft_fixture_start(&sim->fixture) != 0) goto err;
  return sim;

err:
  raft_fixture_close(&sim->fixture);
  free(sim);
  return NULL;
}

void kyoso_raft_sim_destroy(kyoso_raft_sim* sim) {
  unsigned i, j, n = raft_fixture_n(&sim->fixture);
  /* The fixture's close mishandles some messages still on the wire: deliver them first. */
  for (i = 0; i < n; i++) {
    for (j = 0; j < n; j++) {
      if (i != j) raft_fixture_step_until_delivered(&sim->fixture, i, j, 5000);
    }
  }
  raft_fixture_close(&sim->fixture);
  free_transfers(sim->transfers);
  free(sim);
}

uint64_t kyoso_raft_sim_step(kyoso_raft_sim* sim) {
  raft_fixture_step(&sim->fixture);
  return raft_fixture_time(&sim->fixture);
}

unsigned kyoso_raft_sim_leader(kyoso_raft_sim* sim) {
  return raft_fixture_leader_index(&sim->fixture);
}

int kyoso_raft_sim_state(kyoso_raft_sim* sim, unsigned i) {
  return (int)raft_state(raft_fixture_get(&sim->fixture, i));
}

uint64_t kyoso_raft_sim_last_applied(kyoso_raft_sim* sim, unsigned i) {
  return raft_last_applied(raft_fixture_get(&sim->fixture, i));
}

int kyoso_raft_sim_apply(kyoso_raft_sim* sim, unsigned i, const void* data, size_t size,
                         uint64_t* index, kyoso_raft_done_cb done, void* user) {
  return submit_apply(raft_fixture_get(&sim->fixture, i), data, size, index, done, user);
}

int kyoso_raft_sim_alive(kyoso_raft_sim* sim, unsigned i) {
  return raft_fixture_alive(&sim->fixture, i);
}

void kyoso_raft_sim_kill(kyoso_raft_sim* sim, unsigned i) {
  raft_fixture_kill(&sim->fixture, i);
}

void kyoso_raft_sim_revive(kyoso_raft_sim* sim, unsigned i) {
  raft_fixture_revive(&sim->fixture, i);
}

void kyoso_raft_sim_disconnect(kyoso_raft_sim* sim, unsigned i, unsigned j) {
  raft_fixture_disconnect(&sim->fixture, i, j);
}

void kyoso_raft_sim_reconnect(kyoso_raft_sim* sim, unsigned i, unsigned j) {
  raft_fixture_reconnect(&sim->fixture, i, j);
}

void kyoso_raft_sim_saturate(kyoso_raft_sim* sim, unsigned i, unsigned j) {
  raft_fixture_saturate(&sim->fixture, i, j);
}

void kyoso_raft_sim_desaturate(kyoso_raft_sim* sim, unsigned i, unsigned j) {
  raft_fixture_desaturate(&sim->fixture, i, j);
}

void kyoso_raft_sim_set_latency(kyoso_raft_sim* sim, unsigned i, unsigned msecs) {
  raft_fixture_set_network_latency(&sim->fixture, i, msecs);
}

void kyoso_raft_sim_set_disk_latency(kyoso_raft_sim* sim, unsigned i, unsigned msecs) {
  raft_fixture_set_disk_latency(&sim->fixture, i, msecs);
}

int kyoso_raft_sim_transfer(kyoso_raft_sim* sim, unsigned i, uint64_t id, kyoso_raft_done_cb done,
                            void* user) {
  return submit_transfer(raft_fixture_get(&sim->fixture, i), &sim->transfers, id, done, user);
}
