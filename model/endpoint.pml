/*
 * endpoint.pml: the attach/detach lifecycle of fdbased::Endpoint as a Promela
 * model, checked by spin. docs/model-mapping.md maps every process and
 * variable to the code and lists the bounds and measured state counts;
 * model/run_spin.sh builds and runs the verifier.
 *
 * Checked (spin -a; cc -DSAFETY pan.c; ./pan):
 *  - no invalid end state: every loop and processor thread of every
 *    attachment, the control thread and the second detacher terminate (no
 *    deadlock, nobody left blocked in ppoll, Push, TakeAll or WaitIdle);
 *  - A1 (delivery): no DeliverNetworkPacket on attachment g's dispatcher
 *    starts after an Attach(nullptr) that covered g returned: on a control
 *    thread (dispatcher_alive[g]: the caller then destroys the dispatcher) or
 *    on a callback (quiesced[g]);
 *  - A2 (closed callback): at most once per fd per attachment, and never
 *    when a stop had been requested by the time the loop ended;
 *  - A3 (reap/close): Reap joins only idle groups, each once, never its own
 *    thread's; after Close nothing is current, stopping or live.
 *
 * Switches (spin -DNAME[=VALUE]):
 *  PROCESSORS=1   inline delivery on the loop thread (processors == 1);
 *  PROCESSORS=2   (default) processors > 1, modelled as one processor thread
 *                 per channel fed by a ProcessorQueue of capacity QCAP;
 *  GVISOR_PREFIX  gVisor's pre-fix ordering: mu_ is an RW lock, Detach holds
 *                 it as a writer while it waits for the threads, and the loop
 *                 takes it as a reader to read the link address before it
 *                 delivers. Spin must report an invalid end state (deadlock).
 *  BREAK_LOOP_STOP_CHECK, BREAK_PROC_STOP_CHECK  sanity checks only: the loop
 *                 (or the processor) ignores the stop flag; A1 must fail.
 */

/* ---- bounds ---- */
#define NGEN 2 /* attachments: attach, detach, re-attach, close */
#define NFD 2  /* fds (= channels) */
#ifndef NPKT
#define NPKT 2 /* packets the peer sends in total, over both fds */
#endif
#ifndef SEND_FDS
#define SEND_FDS 3 /* bit f: the peer may send on fd f */
#endif
#ifndef CLOSE_FDS
#define CLOSE_FDS 3 /* bit f: the peer may close fd f */
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

/* ---- Endpoint (endpoint.h), guarded by mu_ ---- */
bool mu_w;           /* mu_ held exclusively */
byte mu_r;           /* readers holding mu_ (GVISOR_PREFIX only) */
byte current = NONE; /* current_: generation of the live attachment */
byte stopping;       /* stopping_: bit g set = attachment g is in it */
bool closed_;        /* closed_ */

/* ---- Attachment g (attachment.h) ---- */
bool stop[NGEN]; /* stop_ (atomic) */
bool efd[NGEN];  /* stop_fd_ signalled: the eventfd counter is > 0 */
/* ThreadGroup group_ of attachment g; every access is one critical section
 * of the group's internal mutex, so one atomic step here. */
byte live[NGEN];   /* live_ */
byte parked[NGEN]; /* parked_ */

/* ---- ProcessorQueue of channel f of attachment g, at index g*NFD+f ---- */
byte qlen[NQ];
bool qfinishing[NQ];
bool qstopped[NQ];

/* ---- the fds, shared by every attachment, and the peer's side ---- */
byte rxbuf[NFD]; /* packets readable on fd f */
bool hup[NFD];   /* the peer closed fd f */

/* ---- ghosts ---- */
bool dispatcher_alive[NGEN]; /* false once the control's detach returned */
bool quiesced[NGEN];         /* true once any detach covering g waited */
byte closed_calls[NQ];       /* closed callbacks per (g, fd) */
bool reaped[NGEN];           /* removed from stopping_ and joined */

#define MU_FREE (!mu_w && mu_r == 0)

/* Attachment::RequestStop(a), under mu_: three steps as in the code (the
 * flag, the eventfd, then every queue's Stop()). */
#if PROCESSORS > 1
#define STOP_QUEUES(a) \
  d_step { qstopped[a * NFD] = true; qlen[a * NFD] = 0; \
           qstopped[a * NFD + 1] = true; qlen[a * NFD + 1] = 0 }
#else
#define STOP_QUEUES(a) skip
#endif

/* Endpoint::Reap's critical section (the caller holds mu_ or takes it in the
 * same step): erase every stopping attachment whose group is idle, then join
 * it. Joining an idle group only waits for threads that already left, so it
 * is folded into the same step and checked (A3). */
inline reap_body(member, selfg) {
  if
  :: (stopping & BIT(0)) && live[0] == 0 ->
    assert(!reaped[0] && !(member && selfg == 0));
    reaped[0] = true;
    stopping = stopping & ~BIT(0)
  :: else -> skip
  fi;
  if
  :: (stopping & BIT(1)) && live[1] == 0 ->
    assert(!reaped[1] && !(member && selfg == 1));
    reaped[1] = true;
    stopping = stopping & ~BIT(1)
  :: else -> skip
  fi
}

/* Endpoint::Detach, first part: under mu_, stop the current attachment, move
 * it to stopping_ and snapshot stopping_ into ws. The fixed code releases
 * mu_ at the end; the pre-fix code keeps it. */
inline detach_begin() {
  atomic { MU_FREE -> mu_w = true; a = current };
  if
  :: a != NONE ->
    stop[a] = true;
    efd[a] = true;
    STOP_QUEUES(a)
  :: else -> skip
  fi;
  d_step {
    if
    :: a != NONE -> stopping = stopping | BIT(a); current = NONE
    :: else -> skip
    fi;
    ws = stopping;
    a = NONE;
#ifndef GVISOR_PREFIX
    mu_w = false /* no lock is held while waiting */
#endif
  }
}

/* Endpoint::Detach, last part: Reap, then the detach returns. The fixed code
 * takes mu_ again; the pre-fix code still holds it and releases it here. */
inline detach_end(member, selfg) {
#ifdef GVISOR_PREFIX
  d_step { reap_body(member, selfg); ws = 0; mu_w = false }
#else
  atomic {
    MU_FREE ->
    /* ghost: every group waited for is quiescent from here on */
    if :: ws & BIT(0) -> quiesced[0] = true :: else -> skip fi;
    if :: ws & BIT(1) -> quiesced[1] = true :: else -> skip fi;
    ws = 0;
    reap_body(member, selfg)
  }
#endif
}

/* Attach(nullptr) from a thread that is in no group (a control thread):
 * ThreadGroup::WaitIdle waits for live_ == 0 of each group, in order. */
inline detach_other() {
  detach_begin();
  ((ws & BIT(0)) == 0 || live[0] == 0);
  ((ws & BIT(1)) == 0 || live[1] == 0);
  detach_end(false, 0)
}

/* Attach(nullptr) from a callback on a thread of group g: WaitIdle parks the
 * caller in its own group and waits until every member of each group has
 * left or is parked. Unparking is a separate critical section. */
inline detach_member(g) {
  detach_begin();
  d_step { parked[g]++ };
  ((ws & BIT(0)) == 0 || live[0] - parked[0] == 0);
  ((ws & BIT(1)) == 0 || live[1] - parked[1] == 0);
  d_step { parked[g]-- };
  detach_end(true, g)
}

/* The callback side of DeliverNetworkPacket on attachment g's dispatcher.
 * Reading the link address is an atomic load: no step. */
inline deliver_body(g) {
#if CB_DETACH
  if
  :: skip
  :: detach_member(g)
  fi
#else
  skip
#endif
}
#define DELIVERY_STARTS(g) assert(dispatcher_alive[g] && !quiesced[g]) /* A1 */

/* ---- a receive loop: Attachment::RunLoop, Dispatch and EndLoop ---- */
proctype Loop(byte g; byte f) {
  byte r;            /* 0 packet/continue, 1 would block, 2 stop, 3 hangup */
  bool closed;       /* the loop ends because the peer closed */
  byte a = NONE, ws; /* for detach_member() */
  byte q = g * NFD + f;
  /* group_.Bind(): a member from here on */
  do
#ifndef BREAK_LOOP_STOP_CHECK
  :: stop[g] -> break
  :: else ->
#else
  :: true ->
#endif
    atomic { /* reader->Read(frames), one frame per read */
      if
      :: rxbuf[f] > 0 -> rxbuf[f]--; r = 0
      :: rxbuf[f] == 0 && hup[f] -> closed = true /* EOF */
      :: rxbuf[f] == 0 && !hup[f] -> r = 1 /* kWouldBlock */
      fi
    };
    if
    :: closed -> break
    :: r == 1 ->
      atomic { /* sys::PollTwo(fd, stop_fd_), blocking */
        rxbuf[f] > 0 || hup[f] || efd[g] ->
        if
        :: efd[g] -> r = 2
        :: !efd[g] && rxbuf[f] == 0 && hup[f] -> r = 3
        :: else -> r = 0
        fi
      };
      if
      :: r == 2 -> break /* p->stop */
      :: r == 3 -> closed = true; break /* POLLHUP, not readable */
      :: else -> skip
      fi
    :: else ->
      if
#ifndef BREAK_LOOP_STOP_CHECK
      :: stop[g] -> skip /* read before the stop: dropped (kDetached) */
      :: else ->
#else
      :: true ->
#endif
#ifdef GVISOR_PREFIX
        atomic { !mu_w -> mu_r++ }; /* LinkAddress() takes mu_.RLock() */
        mu_r--;
#endif
#if PROCESSORS > 1
        atomic { /* ProcessorQueue::Push: waits while full unless stopped */
          qlen[q] < QCAP || qstopped[q] ->
          if
          :: qstopped[q] -> skip /* returned false: dropped (kDetached) */
          :: else -> qlen[q]++
          fi
        }
#else
        DELIVERY_STARTS(g);
        deliver_body(g)
#endif
      fi
    fi;
    r = 0
  od;
  /* EndLoop. The ghost r records whether a stop had been requested when
   * the loop ended; its queues Finish() in the same step. */
  atomic {
    r = stop[g];
#if PROCESSORS > 1
    qfinishing[q] = true
#endif
  };
  if
  :: closed && !stop[g] ->
    d_step { /* Options.closed_func(why): A2 */
      closed_calls[q]++;
      assert(closed_calls[q] == 1 && r == 0)
    };
#if CB_DETACH
    if
    :: skip
    :: detach_member(g)
    fi
#else
    skip
#endif
  :: else -> skip
  fi;
  d_step { live[g]--; r = 0; closed = false } /* group_.Leave(): last touch */
}

#if PROCESSORS > 1
/* ---- a processor: Attachment::RunProcessor over one ProcessorQueue ---- */
proctype Proc(byte g; byte f) {
  byte n;            /* the batch TakeAll swapped out; 255: exit */
  byte a = NONE, ws; /* for detach_member() */
  byte q = g * NFD + f;
  /* group_.Bind() */
  do
  :: atomic { /* ProcessorQueue::TakeAll, blocking */
       qstopped[q] || qlen[q] > 0 || qfinishing[q] ->
       if
       :: qstopped[q] -> n = 255 /* Stop(): exit now */
       :: !qstopped[q] && qlen[q] > 0 -> n = qlen[q]; qlen[q] = 0
       :: !qstopped[q] && qlen[q] == 0 -> n = 255 /* Finish(), drained */
       fi
     };
     if
     :: n == 255 -> break
     :: else -> skip
     fi;
     do
     :: n > 0 ->
       if
#ifndef BREAK_PROC_STOP_CHECK
       :: stop[g] -> skip /* processor_detach_drops */
       :: else ->
#else
       :: true ->
#endif
         DELIVERY_STARTS(g);
         deliver_body(g)
       fi;
       n--
     :: else -> break
     od
  od;
  atomic { live[g]--; n = 0 } /* group_.Leave(): last touch */
}
#endif

/* ---- the peer on the other end of the fds: sends, may close each fd ---- */
proctype Peer() {
  byte sent;
  do
  :: (SEND_FDS & 1) && sent < NPKT && !hup[0] -> d_step { rxbuf[0]++; sent++ }
  :: (SEND_FDS & 2) && sent < NPKT && !hup[1] -> d_step { rxbuf[1]++; sent++ }
  :: (CLOSE_FDS & 1) && !hup[0] -> hup[0] = true
  :: (CLOSE_FDS & 2) && !hup[1] -> hup[1] = true
  :: else -> break /* a step taken after everything ended is one not taken */
  od;
  sent = 0
}

/* Endpoint::Attach(d_g) from a control thread: Reap, then under mu_ build
 * attachment g and Attachment::Start it (Add() before each thread starts).
 * Everything the new threads do before they first take mu_ commutes with the
 * rest of this critical section, so it is one step. */
inline attach(g) {
  atomic { MU_FREE -> reap_body(false, 0) };
  atomic {
    MU_FREE ->
    if
    :: !closed_ && current == NONE ->
      dispatcher_alive[g] = true;
      live[g] = NTHREADS;
      run Loop(g, 0);
      run Loop(g, 1);
#if PROCESSORS > 1
      run Proc(g, 0);
      run Proc(g, 1);
#endif
      current = g
    :: else -> skip
    fi
  }
}

/* ---- the control thread: attach, detach, re-attach, close ---- */
proctype Control() {
  byte a = NONE, ws;
  attach(0);
  detach_other();
  dispatcher_alive[0] = false; /* the caller destroys the dispatcher */
  attach(1);
  /* Close(): Detach, then mark closed under mu_. */
  detach_other();
  atomic { MU_FREE -> closed_ = true };
  dispatcher_alive[1] = false;
  /* The destructor joins whatever stopping_ still holds: nothing (A3). */
  assert(current == NONE && stopping == 0 && live[0] == 0 && live[1] == 0)
}

/* ---- a second control thread calling Attach(nullptr) at any moment ---- */
proctype Detacher() {
  byte a = NONE, ws;
  detach_other()
}

init {
  atomic {
    run Control();
    run Peer();
#if !defined(GVISOR_PREFIX) && !defined(NO_DETACHER)
    run Detacher();
#endif
  }
}
