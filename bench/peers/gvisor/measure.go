package main

import (
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// countingDispatcher counts delivered packets and bytes; the endpoint keeps
// (and later drops) its own reference to each packet.
type countingDispatcher struct {
	packets atomic.Uint64
	bytes   atomic.Uint64
}

func (d *countingDispatcher) DeliverNetworkPacket(_ tcpip.NetworkProtocolNumber, pkt stack.PacketBufferPtr) {
	d.packets.Add(1)
	d.bytes.Add(uint64(pkt.Size()))
}

func (d *countingDispatcher) DeliverLinkPacket(tcpip.NetworkProtocolNumber, stack.PacketBufferPtr, bool) {
}

// stampingDispatcher remembers when it last received a packet (detach
// samples only).
type stampingDispatcher struct {
	countingDispatcher
	lastNs atomic.Int64
}

func (d *stampingDispatcher) DeliverNetworkPacket(p tcpip.NetworkProtocolNumber, pkt stack.PacketBufferPtr) {
	d.countingDispatcher.DeliverNetworkPacket(p, pkt)
	d.lastNs.Store(time.Now().UnixNano())
}

type runPlan struct {
	warmup, seconds float64
}

// sample is one run, or a sum of runs (same fields as fdlink's RunSample).
type sample struct {
	seconds        float64
	packets, bytes uint64
	cpu            float64
	allocs         uint64
	waits          uint64 // Times the sender waited for room, in the window.
	sent, received uint64
}

func (s *sample) add(o sample) {
	s.seconds += o.seconds
	s.packets += o.packets
	s.bytes += o.bytes
	s.waits += o.waits
	s.cpu += o.cpu
	s.allocs += o.allocs
	s.sent += o.sent
	s.received += o.received
}

func per(num, den float64) float64 {
	if den <= 0 {
		return 0
	}
	return num / den
}

func processCPU() float64 {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6 +
		float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

type snapshot struct {
	at                            time.Time
	packets, bytes, allocs, waits uint64
	cpu, senderCPU                float64
}

func take(d *countingDispatcher, f *flood) snapshot {
	// Allocations first: ReadMemStats stops the world briefly.
	s := snapshot{allocs: mallocs()}
	s.at = time.Now()
	s.packets = d.packets.Load()
	s.bytes = d.bytes.Load()
	s.cpu = processCPU()
	s.senderCPU = f.cpuSeconds()
	s.waits = f.waits.Load()
	return s
}

func newEndpoint(fd int, mode string) (stack.LinkEndpoint, error) {
	return fdbased.New(&fdbased.Options{
		FDs:                []int{fd},
		MTU:                1500,
		PacketDispatchMode: dispatchMode(mode),
	})
}

// measureRun attaches a counting dispatcher to a fresh endpoint on a fresh
// link, floods it, and samples a window after the warm-up.
func measureRun(c benchCase, plan runPlan) (sample, error) {
	l, err := openLink(c.kind, c.size)
	if err != nil {
		return sample{}, err
	}
	defer l.close()
	ep, err := newEndpoint(l.rxFD, c.mode)
	if err != nil {
		return sample{}, err
	}
	d := &countingDispatcher{}
	ep.Attach(d)
	l.flood.start()
	time.Sleep(time.Duration(plan.warmup * float64(time.Second)))
	a := take(d, l.flood)
	time.Sleep(time.Duration(plan.seconds * float64(time.Second)))
	b := take(d, l.flood)
	l.flood.stopAndWait()
	time.Sleep(30 * time.Millisecond)
	ep.Attach(nil) // Stops the dispatch goroutine and waits for it.

	s := sample{
		seconds:  b.at.Sub(a.at).Seconds(),
		packets:  b.packets - a.packets,
		bytes:    b.bytes - a.bytes,
		cpu:      (b.cpu - a.cpu) - (b.senderCPU - a.senderCPU),
		allocs:   b.allocs - a.allocs,
		waits:    b.waits - a.waits,
		sent:     l.flood.sent.Load(),
		received: d.packets.Load(),
	}
	if s.cpu < 0 {
		s.cpu = 0
	}
	return s, nil
}

// measureDetach times Attach(nil) on endpoints under a flood. gVisor's
// endpoint cannot be re-attached after Attach(nil) (its stop eventfd stays
// signalled), so every sample uses a fresh endpoint on the same fd.
func measureDetach(c benchCase, cycles int) (detach, late []float64, err error) {
	l, err := openLink(c.kind, c.size)
	if err != nil {
		return nil, nil, err
	}
	defer l.close()
	l.flood.start()
	d := &stampingDispatcher{}
	for i := 0; i < cycles; i++ {
		ep, err := newEndpoint(l.rxFD, c.mode)
		if err != nil {
			return nil, nil, err
		}
		ep.Attach(d)
		time.Sleep(time.Millisecond)
		t0 := time.Now()
		ep.Attach(nil)
		detach = append(detach, float64(time.Since(t0).Nanoseconds())/1000)
		lateNs := d.lastNs.Load() - t0.UnixNano()
		if lateNs < 0 {
			lateNs = 0
		}
		late = append(late, float64(lateNs)/1000)
	}
	l.flood.stopAndWait()
	if d.packets.Load() == 0 {
		return nil, nil, fmt.Errorf("no packet arrived while attached")
	}
	sort.Float64s(detach)
	sort.Float64s(late)
	return detach, late, nil
}

// percentile is nearest-rank over sorted samples, like fdlink's LatencyStats.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p / 100 * float64(len(sorted)))
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return sorted[rank]
}

// printThroughput prints the case's JSON line; with detach samples (not
// nil) it carries the detach figures too, as fdlink's lines do.
//
// The fields fdlink bench added for offloads are here too: gVisor's
// endpoint of 2022-12 has no TUN offload ("offload":"none", one packet per
// read). Bottleneck follows fdlink's rule (docs/BENCHMARKS.md): "reader"
// when at least 1 % was lost or the sender had to wait for room.
func printThroughput(c benchCase, s *sample, detach, late []float64) {
	lost := 0.0
	if s.sent > 0 && s.received < s.sent {
		lost = 100 * float64(s.sent-s.received) / float64(s.sent)
	}
	bottleneck := "sender"
	if lost >= 1 || s.waits > 0 {
		bottleneck = "reader"
	}
	payload := float64(s.bytes) - 28*float64(s.packets)
	extra := fmt.Sprintf(",\"offload\":\"none\",\"delivery\":\"wire\",\"reads\":%d,"+
		"\"gso_segments_per_read\":1,\"payload_gbps\":%.3f,\"lost_pct\":%.2f,"+
		"\"rx_cpu_share\":%.3f,\"sender_waits\":%d,\"bottleneck\":%q",
		s.packets, per(payload*8/1e9, s.seconds), lost, per(s.cpu, s.seconds),
		s.waits, bottleneck)
	if detach != nil {
		extra += fmt.Sprintf(",\"detach_cycles\":%d,\"detach_p50_us\":%.1f,"+
			"\"detach_p99_us\":%.1f,\"detach_max_us\":%.1f,\"last_delivery_p99_us\":%.1f,"+
			"\"last_delivery_max_us\":%.1f",
			len(detach), percentile(detach, 50), percentile(detach, 99),
			percentile(detach, 100), percentile(late, 99), percentile(late, 100))
	}
	fmt.Printf("{\"impl\":\"gvisor\",\"kind\":%q,\"mode\":%q,"+
		"\"size\":%d,\"processors\":1,\"packets\":%d,\"seconds\":%.3f,\"pps\":%.0f,"+
		"\"gbps\":%.3f,\"cpu_s_per_mpkt\":%.3f,\"allocs_per_pkt\":%.4f,\"sent\":%d,"+
		"\"received\":%d%s}\n",
		c.kind, c.mode, c.size, s.packets, s.seconds,
		per(float64(s.packets), s.seconds),
		per(float64(s.bytes)*8/1e9, s.seconds),
		per(s.cpu*1e6, float64(s.packets)),
		per(float64(s.allocs), float64(s.packets)), s.sent, s.received, extra)
}
