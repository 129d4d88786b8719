/*
 * endpoint.pml: the attach/detach lifecycle of fdbased::Endpoint as a Promela
 * model, checked by spin. docs/CONCURRENCY.md maps every process and
 * variable to the code and lists the bounds, the step merges and the state
 * counts; model/run_spin.sh builds and runs the verifier.
 *
 * Checked (spin -a; cc -DSAFETY pan.c; ./pan):
 *  - no invalid end state: every loop and processor thread of every
 *    attachment, the control thread and the second detacher terminate (no
 *    deadlock, nobody left blocked in ppoll, Push, TakeAll or WaitIdle);
 *  - A1 (delivery): no DeliverNetworkPacket on attachment g's dispatcher
 *    starts after an Attach(nullptr) that covered g returned: on a control
 *    thread (dispatcher_alive[g]: the caller then destroys the dispatcher) or
 *    on a callback (quiesced[g], from the moment its WaitIdle returned);
 *  - A2 (closed callback): at most once per fd per attachment, and never
 *    when a stop had been requested by the time the loop ended;
 *  - A3 (reap/close): Reap joins only idle groups, each once; after Close
 *    nothing is current, stopping or live, and every attachment was joined.
 *  - A4 (ring memory, RING=1): no packet touches a ring after it was freed
 *    (every release of a lent frame finds the ring alive), the ring is
 *    freed only when its last reference goes, and once the endpoint is
 *    destroyed it lives exactly as long as the stack holds a packet of it.
 *
 * Switches (spin -DNAME[=VALUE]):
 *  PROCESSORS=1   (default) inline delivery on the loop thread;
 *  PROCESSORS=2   processors > 1, modelled as one processor thread per
 *                 channel fed by a ProcessorQueue of capacity QCAP;
 *  CYCLES, NPKT, BATCH, QCAP, SEND_FDS, CLOSE_FDS, CB_DETACH, DETACHER:
 *                 bounds (see below and the doc);
 *  GVISOR_PREFIX  gVisor's pre-fix ordering: mu_ is an RW lock, Detach holds
 *                 it as a writer while it waits for the threads, and the loop
 *                 takes it as a reader to read the link address before it
 *                 delivers. Spin must report an invalid end state (deadlock);
 *  BREAK_LOOP_STOP_CHECK, BREAK_PROC_STOP_CHECK  sanity checks only: the loop
 *                 (or the processor) ignores the stop flag; A1 must fail.
 *  START_FAIL=1   Attachment::Start may fail at any thread (the ones before
 *                 it run); Attach retires it, unlocks, waits, reaps;
 *  START_FAIL_UNDER_MU  the pre-issue-9 start failure: the wait happens
 *                 with mu_ still held; with CB_QUERY spin must deadlock;
 *  CB_QUERY=1     a delivery callback calls IsAttached() (takes mu_).
 *  RING=1         the ring modes (packet_mmap, io_uring): the reader lends
 *                 frames of a per-fd ring of RSLOTS slots (the ring is set
 *                 up once per fd and outlives re-attach); its Wait polls
 *                 the ring's wait fd and the stop eventfd, not the fd; the
 *                 stack (process Stack) may keep a delivered packet and
 *                 release it at any time, after detach and after the
 *                 endpoint is destroyed. PROCESSORS=1 only.
 *  BREAK_RING_WAIT_STOP  mutant: the ring Wait ignores the stop eventfd;
 *                 spin must report an invalid end state (a detach waits
 *                 forever for a loop that waits forever).
 *  BREAK_RING_REF mutant: a lent frame holds no ring reference; spin must
 *                 report the A4 assertion (a release after the free).
 *
 * Comments "code: <function>.<step>" name the code step a statement
 * models; model/check_model_tie.py matches them, in order, against the
 * "// model: <function>.<step>" markers in src/link/fdbased/endpoint.cc,
 * packet_mmap_reader.cc, packet_ring.cc and uring_rx.cc (the io_uring
 * reader's wait is the same step as packet_mmap's).
 */

/* ---- bounds ---- */
#define NGEN 2 /* attachments the arrays hold */
#define NFD 2  /* fds (= channels); the code below is unrolled for 2 */
#ifndef CYCLES
#define CYCLES 2 /* control: attach, detach, re-attach, close (1: attach, close) */
#endif
#ifndef NPKT
#define NPKT 2 /* packets the peer sends in total */
#endif
#ifndef SEND_FDS
#define SEND_FDS 1 /* bit f: the peer may send on fd f */
#endif
#ifndef CLOSE_FDS
#define CLOSE_FDS 2 /* bit f: the peer may close fd f */
#endif
#ifndef DETACHER
#define DETACHER 2 /* second control thread: 0 none, 1 Detach, 2 Detach or Wait */
#endif
#ifndef BATCH
#define BATCH 2 /* frames one Read returns at most (kMaxMsgsPerRecv) */
#endif
#ifndef QCAP
#define QCAP 1 /* ProcessorQueue::kCapacity */
#endif
#ifndef PROCESSORS
#define PROCESSORS 1
#endif
#ifdef GVISOR_PREFIX
#undef CB_DETACH
#define CB_DETACH 0 /* isolate the lock-order deadlock (see the doc) */
#undef DETACHER
#define DETACHER 0
#endif
#ifndef CB_DETACH
#define CB_DETACH 1 /* callbacks may call Attach(nullptr) */
#endif
#ifndef START_FAIL
#define START_FAIL 0 /* Attachment::Start may fail part-way */
#endif
#ifndef CB_QUERY
#define CB_QUERY 0 /* callbacks may call IsAttached() */
#endif
#ifndef RING
#define RING 0 /* a ring reader (packet_mmap, io_uring) */
#endif
#ifndef RSLOTS
#define RSLOTS 1 /* frames of each fd's ring */
#endif
#if RING && PROCESSORS > 1
#error "RING=1 is modelled with inline delivery (PROCESSORS=1) only"
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
byte started[NGEN]; /* bit t: thread t of attachment g started (loop f: bit
                    * f, processor f: bit NFD + f) */
bool tried[NGEN];   /* Attachment::Start of g returned (started is final) */
bool stop[NGEN];    /* stop_ (atomic) */
bool efd[NGEN];     /* stop_fd_ signalled: the eventfd counter is > 0 */
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

#if RING
/* ---- the ring of fd f (packet_ring.h; the io_uring buffer ring alike) ----
 * Made with the endpoint (one reference: the fd's RingRef), kept across
 * attachments; each lent frame holds one more. */
byte ring_refs[NFD]; /* refs_ */
byte lent[NFD];      /* frames lent out: in a batch, in a delivery, held */
byte held[NFD];      /* packets the stack keeps after their delivery */
bool ring_freed[NFD]; /* ghost: the ring and its mapping are gone */
#endif

/* ---- ghosts ---- */
bool dispatcher_alive[NGEN]; /* false once the control's detach returned */
bool quiesced[NGEN];         /* true once a detach covering g has waited */
byte closed_calls[NQ];       /* closed callbacks per (g, fd) */
bool reaped[NGEN];           /* removed from stopping_ and joined */

#define MU_FREE (!mu_w && mu_r == 0)

#if RING
/* PacketRing::Unref: drop one reference; the last one frees the ring. */
inline ring_unref(fd) {
  assert(!ring_freed[fd] && ring_refs[fd] > 0);
  ring_refs[fd]--;
  if
  :: ring_refs[fd] == 0 -> ring_freed[fd] = true /* code: ring_unref.free */
  :: else -> skip
  fi
}
/* PacketRing::OnChunkReleased, from whichever thread drops a packet's last
 * reference: A4 first (the release reads the ring's slots), then the frame
 * goes back and the frame's reference is dropped. */
#ifndef BREAK_RING_REF
#define RELEASE_REF(fd) ring_unref(fd) /* code: ring_release.unref */
#define TAKE_REF(fd, k) ring_refs[fd] = ring_refs[fd] + k /* code: ring_take.ref */
#else
#define RELEASE_REF(fd) skip
#define TAKE_REF(fd, k) skip
#endif
inline ring_release(fd) { /* the callers make it one step */
  assert(!ring_freed[fd]); /* A4: the packet's memory is still mapped */
  lent[fd]--;
  RELEASE_REF(fd)
}
/* The ring has a frame for the loop, or the fd failed or hung up: what
 * wakes the ring's wait fd (a frame filled, a held frame back, an error). */
#define RING_READY(f) ((rxbuf[f] > 0 && lent[f] < RSLOTS) || hup[f])
#ifndef BREAK_RING_WAIT_STOP
#define RING_WAIT_WAKES(f, g) (RING_READY(f) || efd[g])
#else
#define RING_WAIT_WAKES(f, g) RING_READY(f)
#endif
#endif

/* The rest of Attachment::RequestStop(a) after the stop flag: signal the
 * eventfd, then Stop() every queue of a. */
#if PROCESSORS > 1
#define SIGNAL_STOP(a) \
  efd[a] = true; \
  qstopped[a * NFD] = true; qlen[a * NFD] = 0; \
  qstopped[a * NFD + 1] = true; qlen[a * NFD + 1] = 0
#else
#define SIGNAL_STOP(a) efd[a] = true
#endif

/* Endpoint::Reap (from Attach, Wait and Close; the caller takes mu_ in the
 * same step): erase every stopping attachment whose group is idle and join
 * it. Joining an idle group only waits for threads that already left, so it
 * is part of the step; A3: each attachment is joined once. */
/* The caller's step takes and drops mu_; joining an idle group is part of
 * it. */
inline reap_body() { /* code: reap.lock */ /* code: reap.unlock */
  if
  :: (stopping & BIT(0)) && live[0] == 0 ->
    assert(!reaped[0]);
    reaped[0] = true; /* code: reap.join */
    stopping = stopping & ~BIT(0)
  :: else -> skip
  fi;
  if
  :: (stopping & BIT(1)) && live[1] == 0 ->
    assert(!reaped[1]);
    reaped[1] = true;
    stopping = stopping & ~BIT(1)
  :: else -> skip
  fi
}

/* ThreadGroup::WaitIdle's condition on the groups in ws: a non-member waits
 * for live_ == 0; a member counts parked members as idle. */
#define IDLE_OTHER(ws) \
  (((ws & BIT(0)) == 0 || live[0] == 0) && ((ws & BIT(1)) == 0 || live[1] == 0))
#define IDLE_MEMBER(ws) \
  (((ws & BIT(0)) == 0 || live[0] - parked[0] == 0) && \
   ((ws & BIT(1)) == 0 || live[1] - parked[1] == 0))

/* Endpoint::Detach, step 1: take mu_, read current_ and, if there is one,
 * set its stop flag (RequestStop's first store). */
inline detach_lock() {
  atomic {
    MU_FREE -> mu_w = true; a = current; /* code: detach.lock */
    if
    :: a != NONE -> stop[a] = true
    :: else -> skip
    fi
  }
}

/* Endpoint::Detach, step 2 (still under mu_): the rest of RequestStop, move
 * current_ to stopping_, snapshot stopping_ into ws. */
inline detach_move() {
  if
  :: a != NONE ->
    SIGNAL_STOP(a); /* code: detach.retire */
    stopping = stopping | BIT(a);
    current = NONE;
    a = NONE
  :: else -> skip
  fi;
  ws = stopping
}

inline destroy_dispatcher(gone) {
  if
  :: gone != NONE -> dispatcher_alive[gone] = false
  :: else -> skip
  fi
}

inline set_quiesced() {
  if :: ws & BIT(0) -> quiesced[0] = true :: else -> skip fi;
  if :: ws & BIT(1) -> quiesced[1] = true :: else -> skip fi
}

#ifndef GVISOR_PREFIX
/* Attach(nullptr) from a thread in no group (a control thread): release mu_,
 * wait for live_ == 0 of every snapshotted group, return. (Detach does not
 * Reap: the next Attach, Wait or Close joins the threads.) The wait's
 * condition, once true, stays true (a stopped group gains no members), so
 * the wait is part of the step that releases mu_; the process still blocks
 * there while it is false. When it returns, the caller destroys dispatcher
 * `gone` (NONE: none). */
inline detach_other(gone) {
  detach_lock();
  atomic {
    detach_move();
    mu_w = false; /* no lock is held while waiting; code: detach.unlock */
    IDLE_OTHER(ws) -> set_quiesced(); /* WaitIdle returns; code: detach.wait */
    ws = 0;
    destroy_dispatcher(gone)
  }
}

/* Attach(nullptr) from a callback on a thread of group g: release mu_ and
 * park in its own group (one step: nobody can tell the two orders apart),
 * wait until every member has left or is parked (not a stable condition: a
 * separate step), unpark, return. The snapshot holds g and nothing else
 * (the control's attach(1) reaps attachment 0 first), so the per-group
 * waits are one condition; the assertion checks that premise. */
inline detach_member(g) {
  detach_lock();
  atomic { detach_move(); assert(ws == BIT(g)); mu_w = false; parked[g]++ };
  IDLE_MEMBER(ws);
  atomic { parked[g]--; set_quiesced(); ws = 0 } /* WaitIdle returns */
}
#else
/* gVisor's pre-fix Attach(nil): mu_ stays held (as a writer) while waiting
 * for the dispatch loops. */
inline detach_other(gone) {
  detach_lock();
  atomic { detach_move() };
  IDLE_OTHER(ws); /* WaitIdle with mu_ still held */
  atomic { ws = 0; mu_w = false; destroy_dispatcher(gone) }
}
inline detach_member(g) {
  detach_lock();
  atomic { detach_move(); parked[g]++ };
  IDLE_MEMBER(ws);
  atomic { parked[g]--; ws = 0; mu_w = false }
}
#endif

/* A DeliverNetworkPacket on attachment g's dispatcher starts (A1); the
 * callback reads the link address (an atomic load: no step) or calls
 * Attach(nullptr). `then` runs after it returns. */
#define DELIVERY_STARTS(g) assert(dispatcher_alive[g] && !quiesced[g])
#if CB_QUERY
#define QUERY atomic { MU_FREE -> skip } /* IsAttached(): takes and drops mu_ */
#else
#define QUERY skip
#endif
#if CB_DETACH
#define DELIVER(g, then) \
  if \
  :: DELIVERY_STARTS(g); QUERY; then \
  :: DELIVERY_STARTS(g); detach_member(g); then \
  fi
#else
#define DELIVER(g, then) DELIVERY_STARTS(g); QUERY; then
#endif

#if RING
/* After DeliverNetworkPacket returns, the stack has kept the packet (its
 * frame stays lent) or dropped it (the frame goes back). */
#define KEEP_OR_RELEASE \
  if \
  :: held[f]++ \
  :: atomic { ring_release(f) } \
  fi
#define DROP_FRAME atomic { ring_release(f) }
#else
#define KEEP_OR_RELEASE skip
#define DROP_FRAME skip
#endif

/* group_.Leave(): the thread's last touch; the slot moves to the next
 * attachment with every local reset. */
#define LEAVE d_step { live[g]--; r = 0; q = 0; g++ }

#ifndef BREAK_LOOP_STOP_CHECK
#define FRAME_OK !stop[g]
#else
#define FRAME_OK true
#endif

/* ProcessorQueue::Push: waits while the queue is full unless stopped. */
#define PUSH \
  atomic { \
    qlen[q] < QCAP || qstopped[q] -> \
    if \
    :: qstopped[q] -> skip /* returned false: dropped */ \
    :: else -> qlen[q]++ \
    fi \
  }

/* ---- the receive loop of fd f: Attachment::RunLoop, Dispatch, EndLoop ----
 * One process per fd plays that fd's loop thread of attachment 0, then of
 * attachment 1 (the thread of attachment 1 starts only after the one of
 * attachment 0 left its group). r: 0 frames read or continue, 1 would
 * block, 2 stopped, 3 peer closed, 4 the closed callback runs. */
proctype Loop(byte f) {
  byte g;             /* the attachment this thread belongs to */
  byte r;
  byte n;             /* frames of the batch not yet dispatched */
  bool ended_stopped; /* ghost: stop was requested when the loop ended */
  byte a = NONE, ws;  /* for detach_member() */
  byte q;             /* this channel's queue: g * NFD + f */
end_idle:
  do
  :: atomic { g < CYCLES && (started[g] & BIT(f)) -> q = g * NFD + f } /* Bind() */
    do
    :: atomic { /* while (!StopRequested()) { n = reader->Read(frames) ... */
         if
         :: stop[g] -> r = 2
#if !RING
         :: !stop[g] && rxbuf[f] > 0 -> /* a batch of up to BATCH frames */
           n = (rxbuf[f] > BATCH -> BATCH : rxbuf[f]);
           rxbuf[f] = rxbuf[f] - n
         :: !stop[g] && rxbuf[f] == 0 && hup[f] -> r = 3  /* EOF */
         :: !stop[g] && rxbuf[f] == 0 && !hup[f] -> r = 1 /* kWouldBlock */
#else
         /* TakeNext, up to BATCH times: frames the kernel filled, as far
          * as the slots are not lent out (kHeld: the ring ran dry). */
         :: !stop[g] && rxbuf[f] > 0 && lent[f] < RSLOTS ->
           n = (rxbuf[f] > BATCH -> BATCH : rxbuf[f]);
           n = (n > RSLOTS - lent[f] -> RSLOTS - lent[f] : n);
           rxbuf[f] = rxbuf[f] - n;
           lent[f] = lent[f] + n;
           TAKE_REF(f, n)
         :: !stop[g] && rxbuf[f] == 0 && hup[f] -> r = 3 /* error, EOF */
         :: !stop[g] && !RING_READY(f) -> r = 1 /* kWouldBlock (or kHeld) */
         /* The ring's Wait reports the hang-up: frames still queued go. */
         :: !stop[g] && rxbuf[f] > 0 && lent[f] == RSLOTS && hup[f] -> r = 3
#endif
         fi;
         ended_stopped = stop[g]
       };
       if
       :: r >= 2 -> break
       :: r == 1 ->
#if !RING
         atomic { /* reader->Wait(fd, stop_fd_): ppoll, blocking */
           rxbuf[f] > 0 || hup[f] || efd[g] ->
#else
         /* A ring reader's Wait: ppoll of the ring's wait fd (not the fd)
          * and stop_fd_, blocking. */
         atomic {
           RING_WAIT_WAKES(f, g) -> /* code: ring_wait.poll */ /* code: uring_wait.poll */
#endif
           if
           :: efd[g] -> r = 2 /* p->stop */
           :: !efd[g] && rxbuf[f] == 0 && hup[f] -> r = 3 /* POLLHUP */
           :: else -> r = 0 /* readable: read again */
           fi;
           ended_stopped = stop[g]
         };
         if
         :: r >= 2 -> break
         :: else -> skip
         fi
       :: r == 0 -> skip
       fi;
       do /* for each frame: if (StopRequested()) drop, else Dispatch */
#ifndef BREAK_LOOP_STOP_CHECK
       :: n > 0 && stop[g] -> n--; DROP_FRAME /* read before the stop: kDetached */
#endif
#if defined(GVISOR_PREFIX) || PROCESSORS == 1
       :: n > 0 && FRAME_OK ->
         n--;
#ifdef GVISOR_PREFIX
         atomic { !mu_w -> mu_r++ }; /* LinkAddress(): mu_.RLock() */
         mu_r--;
#endif
#if PROCESSORS == 1
         DELIVER(g, KEEP_OR_RELEASE)
#else
         PUSH
#endif
#else
       /* (The check and the Push are one step: a stop in between makes Push
        * fail, a stop just after clears the queue; dropped either way.) */
       :: atomic { n > 0 && FRAME_OK -> n--; PUSH }
#endif
       :: n == 0 -> break
       od
    od;
    /* EndLoop: Finish() the queue; the closed callback unless stopped. */
    atomic {
#if PROCESSORS > 1
      qfinishing[q] = true;
#endif
      if
      :: r == 3 && !stop[g] -> /* Options.closed_func(why): A2 */
        closed_calls[q]++;
        assert(closed_calls[q] == 1 && !ended_stopped);
        r = 4
      :: else -> r = 0
      fi;
      ended_stopped = false
    };
    if
#if CB_DETACH
    :: r == 4 -> detach_member(g); LEAVE
#endif
    :: true -> LEAVE
    fi
  /* This thread of attachment g never started: on to the next one. */
  :: atomic { g < CYCLES && tried[g] && (started[g] & BIT(f)) == 0 -> g++ }
  :: g == CYCLES -> break
  od
}

#if PROCESSORS > 1
/* ---- the processor of channel f: Attachment::RunProcessor ----
 * Like Loop, one process plays the thread of each attachment in turn.
 * r is the batch TakeAll swapped out. */
proctype Proc(byte f) {
  byte g, r;
  byte a = NONE, ws; /* for detach_member() */
  byte q;            /* its queue: g * NFD + f */
end_idle:
  do
  :: atomic { g < CYCLES && (started[g] & BIT(NFD + f)) -> q = g * NFD + f }
    do
    :: atomic { /* ProcessorQueue::TakeAll, blocking */
         qstopped[q] || qlen[q] > 0 || qfinishing[q] ->
         if
         :: qstopped[q] -> LEAVE; break /* Stop(): exit now */
         :: !qstopped[q] && qlen[q] > 0 -> r = qlen[q]; qlen[q] = 0
         :: !qstopped[q] && qlen[q] == 0 -> LEAVE; break /* drained */
         fi
       };
       do /* for each packet of the batch */
#ifndef BREAK_PROC_STOP_CHECK
       :: r > 0 && stop[g] -> r-- /* processor_detach_drops */
       :: r > 0 && !stop[g] -> r--; DELIVER(g, skip)
#else
       :: r > 0 -> r--; DELIVER(g, skip)
#endif
       :: r == 0 -> break
       od
    od
  /* This thread of attachment g never started: on to the next one. */
  :: atomic { g < CYCLES && tried[g] && (started[g] & BIT(NFD + f)) == 0 -> g++ }
  :: g == CYCLES -> break
  od
}
#endif

#if RING
/* ---- the stack: drops the packets it kept, at any time, on any thread
 * (after detach and after the endpoint is gone too) ---- */
proctype Stack() {
end_holding:
  do
  :: atomic { held[0] > 0 -> held[0]--; ring_release(0) }
  :: atomic { held[1] > 0 -> held[1]--; ring_release(1) }
  od
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
  :: break
  od;
  sent = 0
}

/* Attachment::Start of g: Add() and start the threads in the code's order
 * (per channel: its processor, then its loop). With START_FAIL the thread
 * at any position may fail; the ones before it run from here on, while the
 * attacher still holds mu_. */
#if PROCESSORS > 1
#define ALL_THREADS 15
#else
#define ALL_THREADS 3
#endif
inline start_threads(g) {
  if
  :: started[g] = ALL_THREADS; live[g] = NTHREADS
#if START_FAIL
  :: started[g] = 0; live[g] = 0; fail = true
#if PROCESSORS > 1
  :: started[g] = BIT(NFD); live[g] = 1; fail = true
  :: started[g] = BIT(NFD) | BIT(0); live[g] = 2; fail = true
  :: started[g] = BIT(NFD) | BIT(0) | BIT(NFD + 1); live[g] = 3; fail = true
#else
  :: started[g] = BIT(0); live[g] = 1; fail = true
#endif
#endif
  fi;
  tried[g] = true
}

/* Endpoint::TryAttach(d_g) from a control thread: Reap (its own step), then
 * under mu_ build attachment g and Start it. Success publishes it as
 * current_. On a start failure the attachment is retired like a detached
 * one (stop flag, eventfd, queues, into stopping_, snapshot), mu_ is
 * released, the snapshot is waited for and reaped; then the caller may
 * destroy the dispatcher. */
inline attach(g) {
  atomic { MU_FREE -> reap_body() } /* code: attach.reap */
  atomic {
    MU_FREE -> mu_w = true; /* code: attach.lock */
    if
    :: !closed_ && current == NONE ->
      dispatcher_alive[g] = true;
      start_threads(g); /* code: attach.start */
      if
      :: !fail -> current = g; mu_w = false
      :: else -> skip /* mu_ stays held: the started threads run now */
      fi
    :: else -> mu_w = false
    fi
  };
  if
  :: fail ->
    atomic {
      stop[g] = true; SIGNAL_STOP(g); /* code: attach.retire */
      stopping = stopping | BIT(g);
      ws = stopping
    };
#ifndef START_FAIL_UNDER_MU
    atomic {
      mu_w = false; /* code: attach.unlock */
      IDLE_OTHER(ws) -> ws = 0 /* code: attach.wait */
    };
#else
    IDLE_OTHER(ws); /* the pre-issue-9 code: WaitIdle with mu_ held */
    atomic { mu_w = false; ws = 0 };
#endif
    atomic {
      MU_FREE -> reap_body(); /* code: attach.fail_reap */
      dispatcher_alive[g] = false;
      fail = false
    }
  :: else -> skip
  fi
}

/* ---- the control thread: attach, detach, re-attach, close ---- */
proctype Control() {
  byte a = NONE, ws;
  bool fail;
  attach(0);
#if CYCLES > 1
  /* The caller destroys the dispatcher once Attach(nullptr) returned. */
  detach_other(0);
  attach(1);
#endif
  /* Close(): Detach, Reap, then mark closed under mu_ (one step: only
   * mu_-guarded state and joins of finished threads). */
  detach_other(CYCLES - 1); /* code: close.detach */
  atomic { MU_FREE -> reap_body(); closed_ = true }; /* code: close.reap */ /* code: close.lock */
  /* ~Endpoint: Close() again (a no-op past its Detach and Reap). */
  detach_other(NONE); /* code: dtor.close */
  atomic { MU_FREE -> reap_body() };
  /* The destructor joins whatever stopping_ still holds: nothing, every
   * attachment has been joined (A3). */
  assert(current == NONE && stopping == 0 && live[0] == 0 && live[1] == 0);
  assert(reaped[0] && (CYCLES < 2 || reaped[1]))
#if RING
  ;
  /* The fds' RingRefs go with the endpoint: from here each ring lives as
   * long as the stack holds a packet of it (A4), and no longer. */
  atomic {
    ring_unref(0);
    ring_unref(1);
    assert(ring_freed[0] == (lent[0] == 0) && lent[0] == held[0]);
    assert(ring_freed[1] == (lent[1] == 0) && lent[1] == held[1])
  }
#endif
}

/* Endpoint::Wait() from a thread in no group: snapshot current_ and
 * stopping_ under mu_, wait for live_ == 0 of each (stable, so folded into
 * one step with the Reap that follows). */
inline wait_other() {
  atomic {
    MU_FREE -> ws = stopping;
    if
    :: current != NONE -> ws = ws | BIT(current)
    :: else -> skip
    fi
  };
  atomic { IDLE_OTHER(ws) -> MU_FREE -> reap_body(); ws = 0 } /* code: wait.wait */ /* code: wait.reap */
}

#if DETACHER > 0
/* ---- a second control thread: Attach(nullptr) (or, with DETACHER=2,
 * possibly Wait() instead) at any moment ---- */
proctype Detacher() {
  byte a = NONE, ws;
#if DETACHER > 1
  if
  :: detach_other(NONE)
  :: wait_other()
  fi
#else
  detach_other(NONE)
#endif
}
#endif

init {
  atomic {
    run Control();
    run Peer();
#if DETACHER > 0
    run Detacher();
#endif
    run Loop(0);
    run Loop(1);
#if RING
    ring_refs[0] = 1; /* Endpoint::Create sets up each fd's ring */
    ring_refs[1] = 1;
    run Stack();
#endif
#if PROCESSORS > 1
    run Proc(0);
    run Proc(1);
#endif
  }
}
