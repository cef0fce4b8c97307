#include "replayer/explore/promela_runtime.h"

namespace reprobe {

constexpr std::string_view kPromelaRuntimeGlobals = R"PML(
#define INF 2000000000
#define NONE 255
#define BOUND 0
#define DEFER 1
#define FAIL 2
#define REJECT 3
/* An event is due at due[slot] (INF: nothing pending). It may run when it is due within J of the
   earliest pending event (the explorer's jitter window); running it moves the clock to its due
   time, so the earlier ones run late. */
#define READY(s) (due[s] < INF && due[s] - J <= mindue)
#define ADV(s) if :: now < due[s] -> now = due[s] :: else -> skip fi
/* A step that must wait for another one (a probe's return for its body, a caller for the module
   init or the synchronous probes it started) may still run when it is due first and what it waits
   for is due later: the explorer always lets the (t, seq)-first event run. */
#define FIRST_BEFORE(s, b) (due[s] == mindue && due[b] > mindue)
/* the periodic trigger's slot */
#define PS (NC + NTH + 1)
#define SETDUE(s, t) if :: (t) < now -> due[s] = now :: else -> due[s] = (t) fi

int now;
int mindue;
int due[NSLOT];
hidden int ui;
hidden int hx;
hidden int hb;
hidden int hod;
hidden byte hoo;
hidden byte hm;
hidden byte hd;

/* driver core */
bool trig_on;          /* deferred_probe_initcall() ran: triggers move the lists */
byte li_stage;         /* 1, 2: its two trigger + flush_work rounds */
bool worker_sched;     /* deferred_probe_work queued or running */
int tc;                /* deferred_trigger_count */
bool present[ND];
bool bound[ND];
bool probing[ND];
byte dlist[ND];        /* 0 on no list, 1 deferred_probe_pending_list, 2 deferred_probe_active_list */
byte pend[ND];
byte npend;
byte act[ND];
byte nact;
byte natt[ND];         /* probe attempts so far (one matching driver per device) */
bool res_up[NR];
bool drv_reg[NDRV];
bool tmo_armed;
bool tmo_fired;
int tmo_due;
bool pt_zero;          /* driver_deferred_probe_timeout == 0: check_state callers give up */
bool drv_done;         /* fw_devlink_drivers_done() ran: inferred links to unmatched suppliers relaxed */
bool evb[ND];
bool inl[NC];          /* sync-provider: runs inside the probe that caused it */
byte iroot[NC];        /* sync-provider: that probe's body */
byte inl_run[NC];      /* sync-provider: its inline work still running */          /* bound at some point */
bool bbr[ND];          /* bound by the replay (else by its driver from before the capture) */

/* the probe in flight, per device (really_probe()) */
byte p_k[ND];          /* attempt number */
int p_cnt[ND];         /* deferred_trigger_count at its start (the race fix) */
int p_start[ND];
byte p_out[ND];
int p_dur[ND];
byte p_prog[ND];       /* the context its body runs (NONE: none) */
bool p_bound[ND];      /* driver_bound() ran before it returned */
bool p_assumed[ND];    /* bound although the trace never saw it bind */

/* execution contexts of the trace */
bool started[NC];
bool done[NC];
int base[NC];
int lag[NC];           /* how much later its synchronous probes made it */
int applied[NC];
byte mi_run[NC];       /* module inits it started that have actions left */
byte own_busy[NC];     /* its synchronous probing threads still at work (it is inside that call) */
byte own_th[NC];       /* the last of them */
byte mi_child[NC];     /* the last module init it started */

/* probing threads: 0 the deferred_probe_work worker, then callers and async helpers */
byte th_job[NTH * MAXJ];
byte th_nj[NTH];
byte th_pos[NTH];
bool th_tried[NTH];
byte th_owner[NTH];
byte th_only[NTH];
byte th_req[NTH];

/* constant tables */
hidden byte dv_drv[ND];
hidden int dv_lookup[ND];
hidden byte dv_helper[ND];
hidden byte drv_async[NDRV];
hidden int ispan[NC];  /* sync-provider: how long a probe body runs with its work inline */
)PML";

std::string_view promela_runtime_globals() { return kPromelaRuntimeGlobals; }

constexpr std::string_view kPromelaRuntimeInlines = R"PML(
inline upd() {
  mindue = INF; ui = 0;
  do
  :: ui < NSLOT -> if :: due[ui] < mindue -> mindue = due[ui] :: else -> skip fi; ui++
  :: else -> break
  od
}

/* list_del_init() */
inline list_remove(d) {
  if
  :: dlist[d] == 1 ->
     ui = 0;
     do :: pend[ui] == d -> break :: else -> ui++ od;
     do :: ui + 1 < npend -> pend[ui] = pend[ui + 1]; ui++ :: else -> break od;
     npend--; pend[npend] = 0
  :: dlist[d] == 2 ->
     ui = 0;
     do :: act[ui] == d -> break :: else -> ui++ od;
     do :: ui + 1 < nact -> act[ui] = act[ui + 1]; ui++ :: else -> break od;
     nact--; act[nact] = 0
  :: else -> skip
  fi;
  dlist[d] = 0
}

/* queue_work(system_wq, &deferred_probe_work): a no-op while it is queued or running */
inline sched_worker(lat) {
  if
  :: !worker_sched && nact > 0 -> worker_sched = 1; SETDUE(NC, now + lat)
  :: else -> skip
  fi
}

/* resource-aware (not in dd.c): one pending device moves to the active list, the work is queued */
inline targeted_retry(d) {
  if
  :: dlist[d] == 1 -> list_remove(d); act[nact] = d; nact++; dlist[d] = 2; sched_worker(LAT)
  :: else -> skip
  fi
}

/* driver_deferred_probe_add() (resource-aware: retried at once when its needs are met) */
inline add_pending(d) {
  if
  :: dlist[d] == 0 ->
     pend[npend] = d; npend++; dlist[d] = 1;
     if :: TARGETED -> needs_met(d); if :: hm -> targeted_retry(d) :: else -> skip fi :: else -> skip fi
  :: else -> skip
  fi
}

/* driver_deferred_probe_trigger(): count it, splice pending onto active, queue the work */
inline trigger(lat) {
  if
  :: trig_on ->
     tc++;
     ui = 0;
     do
     :: ui < npend -> act[nact] = pend[ui]; dlist[pend[ui]] = 2; nact++; pend[ui] = 0; ui++
     :: else -> break
     od;
     npend = 0;
     sched_worker(lat)
  :: else -> skip
  fi
}

/* driver_bound(): off the lists, what it provides appears, then the trigger */
inline device_bound(d) {
  bound[d] = 1;
  evb[d] = 1;
  bbr[d] = 1;
  list_remove(d);
  autoprobe_consumers(d);
  if :: p_assumed[d] -> provides_assumed(d) :: else -> skip fi;
  trigger(LAT);
  dev_resource_up(d)
}

/* deferred_probe_initcall() after its first flush_work(): a second trigger and flush, then the timer */
inline li_continue() {
  do
  :: li_stage == 1 && !worker_sched -> li_stage = 2; trigger(LAT)
  :: li_stage == 2 && !worker_sched -> li_stage = 0; arm_timeout()
  :: else -> break
  od
}

/* really_probe() starts on thread K: device_lock held, deferred_trigger_count read */
inline start_probe(K, d) {
  probing[d] = 1;
  p_start[d] = now;
  p_cnt[d] = tc;
  p_k[d] = natt[d];
  natt[d]++;
  p_bound[d] = 0;
  p_assumed[d] = 0;
  SETDUE(NC + K, now + dv_lookup[d])
}

/* an async driver's probe from the worker goes to its own helper (__device_attach_async_helper()) */
inline start_helper(d) {
  hd = dv_helper[d];
  if
  :: due[NC + hd] == INF ->
     th_job[hd * MAXJ] = d; th_nj[hd] = 1; th_pos[hd] = 0; th_tried[hd] = 0;
     th_owner[hd] = NONE; th_only[hd] = NONE; SETDUE(NC + hd, now)
  :: else -> th_req[hd]++
  fi
}
)PML";

std::string_view promela_runtime_inlines() { return kPromelaRuntimeInlines; }

constexpr std::string_view kPromelaRuntimeProcesses = R"PML(
/* A probing thread: thread_step picks the next job's probe; then the probe's decision, its
   driver_bound() and its return, each a step of its own at its modelled time. */
proctype thread(byte K) {
  byte d;
  byte ph;   /* 0 next job, 1 decide, 2 bind, 3 return */
end_idle:
  do
  :: d_step { ph == 0 && READY(NC + K) ->
       ADV(NC + K);
       do
       :: th_pos[K] < th_nj[K] ->
          d = th_job[K * MAXJ + th_pos[K]];
          if
          :: !present[d] || bound[d] -> th_pos[K]++; th_tried[K] = 0
          :: else ->
             if
             :: probing[d] -> SETDUE(NC + K, now + 100); break
             :: else ->
                if
                :: !th_tried[K] && dv_drv[d] != NONE && drv_reg[dv_drv[d]] && (th_only[K] == NONE || th_only[K] == dv_drv[d]) ->
                   th_tried[K] = 1; start_probe(K, d); ph = 1; break
                :: else -> th_pos[K]++; th_tried[K] = 0
                fi
             fi
          fi
       :: else ->
          th_nj[K] = 0; th_pos[K] = 0;
          if
          :: K == 0 ->
             if
             :: nact == 0 -> worker_sched = 0; due[NC] = INF; li_continue(); break
             :: else ->
                d = act[0];
                list_remove(d);
                if
                :: dv_drv[d] != NONE && drv_reg[dv_drv[d]] && drv_async[dv_drv[d]] -> start_helper(d)
                :: else -> th_job[0] = d; th_nj[0] = 1; th_tried[0] = 0; th_only[0] = NONE; th_owner[0] = NONE
                fi
             fi
          :: else ->
             if
             :: th_req[K] > 0 -> th_req[K]--; th_nj[K] = 1; th_tried[K] = 0
             :: else ->
                due[NC + K] = INF;
                if :: th_owner[K] != NONE -> own_busy[th_owner[K]]--; th_owner[K] = NONE :: else -> skip fi;
                break
             fi
          fi
       od;
       upd(); skip }
  :: d_step { ph == 1 && READY(NC + K) ->
       ADV(NC + K);
       decide(d);
       if
       :: th_owner[K] != NONE && hoo != NONE && hoo != p_out[d] && p_dur[d] > hod -> hx = p_dur[d] - hod; add_lag(th_owner[K], hx)
       :: else -> skip
       fi;
       if :: p_prog[d] != NONE -> start_ctx(p_prog[d], p_start[d]) :: else -> skip fi;
       if
       :: INLINE && p_out[d] == BOUND && p_prog[d] != NONE ->
          inl[p_prog[d]] = 1; iroot[p_prog[d]] = p_prog[d];
          if
          :: ispan[p_prog[d]] > p_dur[d] ->
             hx = ispan[p_prog[d]] - p_dur[d];
             if :: th_owner[K] != NONE -> add_lag(th_owner[K], hx) :: else -> skip fi;
             p_dur[d] = ispan[p_prog[d]]; hb = -1
          :: else -> skip
          fi
       :: else -> skip
       fi;
       if
       :: hb >= 0 -> ph = 2; SETDUE(NC + K, p_start[d] + hb)
       :: else -> ph = 3; SETDUE(NC + K, p_start[d] + p_dur[d])
       fi;
       upd(); skip }
  :: d_step { ph == 2 && READY(NC + K) ->
       ADV(NC + K);
       if
       :: probing[d] && !p_bound[d] && p_out[d] == BOUND -> p_bound[d] = 1; device_bound(d)
       :: else -> skip
       fi;
       ph = 3; SETDUE(NC + K, p_start[d] + p_dur[d]);
       upd(); skip }
  /* sync-provider: the return comes after the body and its inline work, when they run late */
  :: d_step { ph == 3 && READY(NC + K) && INLINE && p_prog[d] != NONE && !(done[p_prog[d]] && inl_run[p_prog[d]] == 0) ->
       ADV(NC + K);
       hx = 0; ui = 0;
       do
       :: ui < NC ->
          if
          :: (ui == p_prog[d] || (inl[ui] && iroot[ui] == p_prog[d])) && !done[ui] && due[ui] < INF && due[ui] > hx -> hx = due[ui]
          :: else -> skip
          fi;
          ui++
       :: else -> break
       od;
       SETDUE(NC + K, hx);
       upd(); skip }
  :: d_step { ph == 3 && READY(NC + K) && (p_prog[d] == NONE || (done[p_prog[d]] && inl_run[p_prog[d]] == 0) || (!INLINE && FIRST_BEFORE(NC + K, p_prog[d]))) ->
       ADV(NC + K);
       probing[d] = 0;
       if
       :: p_out[d] == BOUND -> if :: !p_bound[d] -> device_bound(d) :: else -> skip fi
       :: p_out[d] == DEFER -> add_pending(d); if :: RACE_FIX && tc != p_cnt[d] -> trigger(LAT) :: else -> skip fi
       :: else -> skip
       fi;
       ph = 0; due[NC + K] = now;
       upd(); skip }
  od
}

/* Settled (as the explorer's settled()): nothing but the timers is pending and both deferred lists
   are empty, so no trigger can change a binding any more; the timers stop instead of ticking on. */
inline settled() {
  hm = (npend == 0 && nact == 0 && !worker_sched);
  ui = 0;
  do
  :: hm && ui < NC + NTH -> hm = (due[ui] == INF); ui++
  :: else -> break
  od
}

/* periodic (not in dd.c): a trigger every PERIOD until the horizon */
proctype periodic() {
end_periodic:
  do
  :: d_step { READY(PS) -> ADV(PS);
       settled();
       if :: now > HORIZON || hm -> due[PS] = INF :: else -> trigger(LAT); SETDUE(PS, now + PERIOD) fi;
       upd(); skip }
  od
}

/* deferred_probe_timeout_work_func(): one trigger, once */
proctype timer() {
end_timer:
  do
  :: d_step { READY(NC + NTH) -> ADV(NC + NTH); settled(); if :: hm -> due[PS] = INF :: else -> skip fi;
       due[NC + NTH] = INF; tmo_fired = 1; tmo_armed = 0;
       pt_zero = 1; if :: DRIVERS_DONE_AT_TIMEOUT -> drv_done = 1 :: else -> skip fi; trigger(LAT); upd(); skip }
  od
}
)PML";

std::string_view promela_runtime_processes() { return kPromelaRuntimeProcesses; }

}  // namespace reprobe
