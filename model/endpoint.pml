/*
 * endpoint.pml: the attach/detach lifecycle of fdbased::Endpoint as a Promela
 * model, checked by spin (see docs/model-mapping.md for the mapping to the
 * code, the bounds and the measured state counts; model/run_spin.sh runs it).
 *
 * What is checked (spin -a; pan -DSAFETY):
 *  - no invalid end state: every thread of every attachment, the control
 *    thread and the second detacher all terminate (no deadlock, no thread
 *    left blocked in ppoll/Push/TakeAll/WaitIdle);
 *  - A1 (delivery): no DeliverNetworkPacket on the dispatcher of attachment g
 *    starts after the Attach(nullptr) that removed it returned, whether that
 *    detach ran on a control thread (dispatcher_alive[g], the caller then
 *    destroys the dispatcher) or on a callback (quiesced[g]);
 *  - A2 (closed callback): called at most once per fd per attachment, and
 *    never when a stop had been requested before the loop ended;
 *  - A3 (quiescence): a detach from a non-member thread returns only when no
 *    thread is inside a dispatcher call; Reap joins only idle groups and
 *    never its own; after Close nothing is left to join.
 *
 * Switches (spin -D...):
 *  PROCESSORS=1     inline delivery on the loop thread (processors == 1);
 *  PROCESSORS=2     (default) processors > 1, modelled as one processor
 *                   thread per channel fed by a bounded queue of QCAP;
 *  GVISOR_PREFIX    gVisor's pre-fix ordering: mu_ is an RW lock, Detach
 *                   holds it as a writer while it waits for the threads, and
 *                   the loop takes it as a reader to read the link address
 *                   before delivering. Spin must find a deadlock.
 *  BREAK_LOOP_STOP_CHECK  sanity check only: the loop ignores the stop flag
 *                   before reading/delivering; spin must report A1.
 *  BREAK_PROC_STOP_CHECK  sanity check only: the processor delivers queued
 *                   packets without checking the stop flag; A1 must fail.
 */

/* ---- bounds ---- */
#define NGEN 2 /* attachments: attach -> detach -> re-attach -> close */
#define NFD 2  /* fds (channels) per attachment */
#ifndef NPKT
#define NPKT 2 /* packets the peer sends in total (over both fds) */
#endif
#ifndef QCAP
#define QCAP 2 /* ProcessorQueue::kCapacity */
#endif
#ifndef PROCESSORS
#define PROCESSORS 2
#endif
#ifdef GVISOR_PREFIX
#define CB_DETACH 0 /* isolate the lock-order deadlock (see the doc) */
#endif
#ifndef CB_DETACH
#define CB_DETACH 1 /* callbacks may call Attach(nullptr) */
#endif

#define NONE 255
#define NQ (NGEN * NFD)
#define BIT(g) (1 << (g))
#if PROCESSORS > 1
#define NTHREADS (2 * NFD) /* a loop and a processor per channel */
#else
#define NTHREADS NFD
#endif

/* ---- Endpoint (endpoint.h) ---- */
bool mu_w;              /* mu_ held exclusively */
byte mu_r;              /* readers of mu_ (GVISOR_PREFIX only) */
byte current = NONE;    /* current_: generation of the live attachment */
byte stopping;          /* stopping_: bit g set = attachment g in it */
bool closed_;           /* closed_ */

/* ---- Attachment g (attachment.h) ---- */
bool stop[NGEN];        /* stop_ (atomic) */
bool efd[NGEN];         /* stop_fd_ signalled (eventfd counter > 0) */
/* ThreadGroup of attachment g; each update is one critical section of the
 * group's internal mutex. */
byte live[NGEN];        /* live_ */
byte parked[NGEN];      /* parked_ */

/* ---- ProcessorQueue of channel f of attachment g, index g*NFD+f ---- */
byte qlen[NQ];
bool qfinishing[NQ];
bool qstopped[NQ];

/* ---- the fds (shared by every attachment) and their peer ---- */
byte rxbuf[NFD];        /* packets readable on fd f */
bool hup[NFD];          /* the peer closed fd f */

/* ---- ghosts ---- */
bool dispatcher_alive[NGEN]; /* cleared when the control's detach returns */
bool quiesced[NGEN];         /* set when any detach covering g returns */
byte in_call[NGEN];          /* threads inside DeliverNetworkPacket */
byte closed_calls[NQ];       /* closed callbacks per (g, fd) */
bool reaped[NGEN];           /* joined by a Reap */

/* ---- mu_ ---- */
inline lock_mu() { atomic { !mu_w && mu_r == 0 -> mu_w = true } }
inline unlock_mu() { mu_w = false }
inline rlock_mu() { atomic { !mu_w -> mu_r++ } }
inline runlock_mu() { mu_r-- }

/* ThreadGroup::WaitIdle(groups in mask ws). A member (a callback on one of
 * the threads of group selfg) parks itself and treats parked members as idle;
 * a non-member waits for live == 0. Each wait is a guarded block: the waiter
 * may pass whenever the condition holds (cv_ is notified on every change). */
inline wait_idle(ws, member, selfg) {
  if
  :: member -> d_step { parked[selfg]++ }
  :: else -> skip
  fi;
  i = 0;
  do
  :: i < NGEN ->
    if
    :: ws & BIT(i) ->
      if
      :: member -> (live[i] - parked[i] == 0)
      :: else -> (live[i] == 0); assert(in_call[i] == 0) /* A3 */
      fi
    :: else -> skip
    fi;
    i++
  :: else -> break
  od;
  if
  :: member -> d_step { parked[selfg]-- }
  :: else -> skip
  fi
}

/* The body of Endpoint::Reap under mu_: remove every stopping attachment
 * whose group is idle; they are joined afterwards (outside mu_ in the fixed
 * code). */
inline reap_locked(member, selfg) {
  d_step {
    done = 0;
    i = 0;
    do
    :: i < NGEN ->
      if
      :: (stopping & BIT(i)) && live[i] == 0 -> done = done | BIT(i)
      :: else -> skip
      fi;
      i++
    :: else -> break
    od;
    stopping = stopping & ~done;
    i = 0
  }
}

/* Attachment::Join for every attachment in `done`: A3. */
inline join_done(member, selfg) {
  d_step {
    i = 0;
    do
    :: i < NGEN ->
      if
      :: done & BIT(i) ->
        assert(live[i] == 0 && !reaped[i] && !(member && selfg == i));
        reaped[i] = true
      :: else -> skip
      fi;
      i++
    :: else -> break
    od;
    i = 0
  }
}

inline reap(member, selfg) {
  lock_mu();
  reap_locked(member, selfg);
  unlock_mu();
  join_done(member, selfg)
}

/* Attachment::RequestStop on attachment `a` (called under mu_). Three
 * separate steps, as in the code: the flag, the eventfd, the queues. */
inline request_stop(a) {
  stop[a] = true;
  efd[a] = true;
#if PROCESSORS > 1
  i = 0;
  do
  :: i < NFD -> d_step { qstopped[a * NFD + i] = true; qlen[a * NFD + i] = 0 }; i++
  :: else -> break
  od;
#endif
  skip
}

/* Endpoint::Detach (= Attach(nullptr)). */
inline detach(member, selfg) {
  lock_mu();
  if
  :: current != NONE ->
    request_stop(current);
    stopping = stopping | BIT(current);
    current = NONE
  :: else -> skip
  fi;
  ws = stopping;
#ifdef GVISOR_PREFIX
  /* Pre-fix: wait for the threads while still holding mu_. */
  wait_idle(ws, member, selfg);
  reap_locked(member, selfg);
  unlock_mu();
  join_done(member, selfg);
#else
  unlock_mu(); /* no lock is held while waiting */
  wait_idle(ws, member, selfg);
  d_step { /* ghost: the detach has quiesced every group it waited for */
    i = 0;
    do
    :: i < NGEN -> if :: ws & BIT(i) -> quiesced[i] = true :: else -> skip fi; i++
    :: else -> break
    od;
    i = 0
  }
  reap(member, selfg);
#endif
  skip
}

/* One DeliverNetworkPacket on attachment g's dispatcher, made by a thread of
 * g. The callback may read the link address (an atomic: no step) or call
 * Attach(nullptr) from the member thread. */
inline deliver(g) {
  d_step {
    assert(dispatcher_alive[g] && !quiesced[g]); /* A1 */
    in_call[g]++
  };
  if
  :: skip
#if CB_DETACH
  :: detach(true, g)
#endif
  fi;
  in_call[g]--
}

/* ---- a receive loop: Attachment::RunLoop/Dispatch/EndLoop ---- */
proctype Loop(byte g; byte f) {
  byte r;                    /* read result: 0 packet, 1 would block, 2 EOF */
  bool ps, pr, ph;           /* ppoll: stop fd, fd readable, fd hangup */
  bool closed;
  byte ws, done, i;          /* for detach() from a callback */
  byte q = g * NFD + f;
  /* group_.Bind(): the thread is a member from here on. */
  do
#ifndef BREAK_LOOP_STOP_CHECK
  :: stop[g] -> break
  :: else ->
#else
  :: true ->
#endif
    atomic { /* reader->Read */
      if
      :: rxbuf[f] > 0 -> rxbuf[f]--; r = 0
      :: rxbuf[f] == 0 && hup[f] -> r = 2
      :: rxbuf[f] == 0 && !hup[f] -> r = 1
      fi
    };
    if
    :: r == 0 ->
      if
#ifndef BREAK_LOOP_STOP_CHECK
      :: stop[g] -> skip /* read before the stop: dropped (kDetached) */
      :: else ->
#else
      :: true ->
#endif
#ifdef GVISOR_PREFIX
        rlock_mu(); /* LinkAddress() under mu_.RLock() in ClassifyFrame */
        runlock_mu();
#endif
#if PROCESSORS > 1
        atomic { /* ProcessorQueue::Push: waits while full unless stopped */
          qlen[q] < QCAP || qstopped[q] ->
          if
          :: qstopped[q] -> skip /* Push returned false: dropped */
          :: else -> qlen[q]++
          fi
        }
#else
        deliver(g)
#endif
      fi
    :: r == 2 -> closed = true; break /* read returned EOF: peer closed */
    :: r == 1 ->
      atomic { /* sys::PollTwo(fd, stop_fd_) */
        rxbuf[f] > 0 || hup[f] || efd[g] ->
        ps = efd[g]; pr = rxbuf[f] > 0; ph = hup[f]
      };
      if
      :: ps -> break
      :: !ps && !pr && ph -> closed = true; break
      :: else -> skip
      fi
    fi
  od;
  /* EndLoop. The ghost records whether a stop was requested when the loop
   * ended. */
  ps = stop[g];
#if PROCESSORS > 1
  qfinishing[q] = true; /* ProcessorQueue::Finish */
#endif
  if
  :: closed && !stop[g] ->
    d_step { /* the closed callback (Options.closed_func): A2 */
      closed_calls[q]++;
      assert(closed_calls[q] == 1 && !ps)
    };
    if
    :: skip
#if CB_DETACH
    :: detach(true, g)
#endif
    fi
  :: else -> skip
  fi;
  d_step { live[g]-- } /* group_.Leave(): the last touch */
}

#if PROCESSORS > 1
/* ---- a processor: Attachment::RunProcessor over one ProcessorQueue ---- */
proctype Proc(byte g; byte f) {
  byte n;                    /* batch taken by TakeAll; 255 = exit */
  byte ws, done, i;          /* for detach() from a callback */
  byte q = g * NFD + f;
  do
  :: atomic { /* ProcessorQueue::TakeAll */
       qstopped[q] || qlen[q] > 0 || qfinishing[q] ->
       if
       :: qstopped[q] -> n = 255
       :: !qstopped[q] && qlen[q] > 0 -> n = qlen[q]; qlen[q] = 0
       :: !qstopped[q] && qlen[q] == 0 -> n = 255 /* finishing, drained */
       fi
     };
     if
     :: n == 255 -> break
     :: else ->
       do
       :: n > 0 ->
         if
#ifndef BREAK_PROC_STOP_CHECK
         :: stop[g] -> skip /* processor_detach_drops */
         :: else -> deliver(g)
#else
         :: true -> deliver(g)
#endif
         fi;
         n--
       :: else -> break
       od
     fi
  od;
  skip; /* (a break may not jump straight into a d_step) */
  d_step { live[g]-- } /* group_.Leave() */
}
#endif

/* ---- the peer on the other end of the fds: sends, may close each fd ---- */
proctype Peer() {
  byte sent;
  do
  :: sent < NPKT && !hup[0] -> rxbuf[0]++; sent++
  :: sent < NPKT && !hup[1] -> rxbuf[1]++; sent++
  :: !hup[0] -> hup[0] = true
  :: !hup[1] -> hup[1] = true
  :: break
  od
}

/* Endpoint::Attach(d_g) on a control thread. */
inline attach(g) {
  reap(false, NONE);
  lock_mu();
  if
  :: !closed_ && current == NONE ->
    atomic { /* Attachment::Start: Add() before each thread starts */
      dispatcher_alive[g] = true;
      live[g] = NTHREADS;
      run Loop(g, 0);
      run Loop(g, 1);
#if PROCESSORS > 1
      run Proc(g, 0);
      run Proc(g, 1);
#endif
    };
    current = g
  :: else -> skip
  fi;
  unlock_mu()
}

/* ---- the control thread: attach, detach, re-attach, close ---- */
proctype Control() {
  byte g, ws, done, i;
  do
  :: g < NGEN ->
    attach(g);
    detach(false, NONE);
    /* The caller destroys the dispatcher once Attach(nullptr) returned. */
    dispatcher_alive[g] = false;
    g++
  :: else -> break
  od;
  /* Close(): detach, then mark closed. The destructor then joins whatever
   * is left in stopping_: nothing may be (A3). */
  detach(false, NONE);
  lock_mu();
  closed_ = true;
  unlock_mu();
  d_step {
    assert(current == NONE && stopping == 0);
    i = 0;
    do
    :: i < NGEN -> assert(live[i] == 0); i++
    :: else -> break
    od
  }
}

/* ---- a second control thread calling Attach(nullptr) at any moment ---- */
proctype Detacher() {
  byte ws, done, i;
  detach(false, NONE)
}

init {
  atomic {
    run Control();
    run Peer();
#ifndef GVISOR_PREFIX
    run Detacher();
#endif
  }
}
