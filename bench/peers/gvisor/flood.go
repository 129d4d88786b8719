package main

import (
	"encoding/binary"
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// floodFlows is how many distinct packets (port pairs) a flood cycles through.
const floodFlows = 64

// sendBatch messages go out per sendmmsg; waitMs bounds one wait for room.
const (
	sendBatch = 32
	waitMs    = 10
)

// The TUN flood's UDP_SEGMENT messages, as in fdlink bench (tools/fdlink/
// bench/tun.cc, TunFloodMessages): at most maxFloodSegments datagrams of
// one packet's payload each, at most maxUDPPayload bytes per send.
const (
	maxFloodSegments = 64
	maxUDPPayload    = 65507
	solUDP           = 17
	udpSegment       = 103
)

// mmsghdr is struct mmsghdr on 64-bit Linux.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

func checksum(b []byte, initial uint32) uint16 {
	sum := initial
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// benchPackets builds floodFlows IPv4/UDP packets of exactly `size` bytes
// from 198.18.0.0/24 to 198.19.0.0/24 with valid checksums (the same ones
// `fdlink bench` sends).
func benchPackets(size int) [][]byte {
	var out [][]byte
	for i := 0; i < floodFlows; i++ {
		b := make([]byte, size)
		src := []byte{198, 18, 0, byte(1 + i)}
		dst := []byte{198, 19, 0, byte(1 + (i*7)%250)}
		b[0] = 0x45
		binary.BigEndian.PutUint16(b[2:], uint16(size))
		b[8] = 64
		b[9] = 17
		copy(b[12:], src)
		copy(b[16:], dst)
		binary.BigEndian.PutUint16(b[10:], ^checksum(b[:20], 0))
		udp := b[20:]
		binary.BigEndian.PutUint16(udp[0:], uint16(10000+i))
		binary.BigEndian.PutUint16(udp[2:], uint16(20000+i*3))
		binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
		for k := 8; k < len(udp); k++ {
			udp[k] = byte(i + k)
		}
		pseudo := uint32(checksum(src, 0)) + uint32(checksum(dst, 0)) + 17 + uint32(len(udp))
		cs := ^checksum(udp, pseudo)
		if cs == 0 {
			cs = 0xffff
		}
		binary.BigEndian.PutUint16(udp[6:], cs)
		out = append(out, b)
	}
	return out
}

// flood sends a ring of messages with sendmmsg from one locked OS thread,
// waiting for room when the fd would block (so AF_UNIX loses nothing).
type flood struct {
	fd       int
	bufs     [][]byte
	names    []unix.RawSockaddrInet4 // Per message, for an unconnected socket.
	iovs     []unix.Iovec
	msgs     []mmsghdr // The ring twice over, so any batch is contiguous.
	controls [][]byte  // Per message, the UDP_SEGMENT control message.
	segments []uint64  // Per message, the wire packets it stands for.
	pfd      []unix.PollFd

	stop     atomic.Bool
	sent     atomic.Uint64 // Wire packets accepted by the kernel.
	waits    atomic.Uint64 // Times the sender waited for room.
	tid      int
	ready    chan struct{}
	done     chan struct{}
	finalCPU float64
}

// newFlood makes a flood of `bufs`; gsoSize > 0 (UDP only) sends each as a
// UDP_SEGMENT buffer of gsoSize-byte datagrams.
func newFlood(fd int, bufs [][]byte, names []unix.RawSockaddrInet4, gsoSize int) *flood {
	n := len(bufs)
	f := &flood{fd: fd, bufs: bufs, names: names,
		iovs: make([]unix.Iovec, n), msgs: make([]mmsghdr, 2*n),
		controls: make([][]byte, n), segments: make([]uint64, n),
		pfd:   []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}},
		ready: make(chan struct{}), done: make(chan struct{})}
	for i := range bufs {
		f.iovs[i].Base = &bufs[i][0]
		f.iovs[i].SetLen(len(bufs[i]))
		f.segments[i] = 1
		if gsoSize > 0 {
			f.segments[i] = uint64((len(bufs[i]) + gsoSize - 1) / gsoSize)
			c := make([]byte, unix.CmsgSpace(2))
			h := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
			h.Level = solUDP
			h.Type = udpSegment
			h.SetLen(unix.CmsgLen(2))
			*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = uint16(gsoSize)
			f.controls[i] = c
		}
	}
	for i := range f.msgs {
		f.msgs[i].hdr.Iov = &f.iovs[i%n]
		f.msgs[i].hdr.SetIovlen(1)
		if names != nil {
			f.msgs[i].hdr.Name = (*byte)(unsafe.Pointer(&f.names[i%n]))
			f.msgs[i].hdr.Namelen = unix.SizeofSockaddrInet4
		}
		if c := f.controls[i%n]; c != nil {
			f.msgs[i].hdr.Control = &c[0]
			f.msgs[i].hdr.SetControllen(len(c))
		}
	}
	return f
}

func (f *flood) start() {
	go f.run()
	<-f.ready
}

func (f *flood) stopAndWait() {
	f.stop.Store(true)
	<-f.done
}

// threadCPU reads thread `tid`'s CPU clock (MAKE_THREAD_CPUCLOCK(tid,
// CPUCLOCK_SCHED)).
func threadCPU(tid int) float64 {
	var ts unix.Timespec
	clk := int32(^uint32(tid)<<3 | 6)
	if unix.ClockGettime(clk, &ts) != nil {
		return 0
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

// cpuSeconds is the sender thread's CPU time so far (all of it once done).
func (f *flood) cpuSeconds() float64 {
	select {
	case <-f.done:
		return f.finalCPU
	default:
		return threadCPU(f.tid)
	}
}

func (f *flood) run() {
	// The thread stays locked: it is the sender's alone, so its CPU clock
	// measures the sender only.
	runtime.LockOSThread()
	pinSender()
	f.tid = unix.Gettid()
	close(f.ready)
	n := len(f.bufs)
	batch := sendBatch
	if n < batch {
		batch = n
	}
	var sent uint64
	next := 0
	for !f.stop.Load() {
		r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(f.fd),
			uintptr(unsafe.Pointer(&f.msgs[next])), uintptr(batch),
			unix.MSG_DONTWAIT, 0, 0)
		if e == 0 {
			for i := 0; i < int(r); i++ {
				sent += f.segments[(next+i)%n]
			}
			next = (next + int(r)) % n
			f.sent.Store(sent)
			continue
		}
		f.waits.Add(1)
		_, _ = unix.Poll(f.pfd, waitMs)
	}
	f.finalCPU = threadCPU(f.tid)
	close(f.done)
}

// unsafePortPtr points at sin_port (network byte order on the wire).
func unsafePortPtr(sa *unix.RawSockaddrInet4) unsafe.Pointer {
	return unsafe.Pointer(&sa.Port)
}
