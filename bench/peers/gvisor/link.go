package main

import (
	"encoding/binary"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// link is one run's medium: the fd the endpoint reads and its flood.
type link struct {
	rxFD  int
	fds   []int // Everything to close afterwards.
	flood *flood
}

func (l *link) close() {
	if l.flood != nil {
		select {
		case <-l.flood.done:
		default:
			if l.flood.tid != 0 {
				l.flood.stopAndWait()
			}
		}
	}
	for _, fd := range l.fds {
		unix.Close(fd)
	}
}

// openLink builds a fresh link of `kind` flooding `size`-byte packets.
func openLink(kind string, size int) (*link, error) {
	if kind == "tun" {
		return openTunLink(size)
	}
	typ := unix.SOCK_SEQPACKET
	if kind == "dgram" {
		typ = unix.SOCK_DGRAM
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %v", err)
	}
	if err := unix.SetNonblock(fds[1], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, err
	}
	return &link{rxFD: fds[0], fds: fds[:], flood: newFlood(fds[1], benchPackets(size), nil, 0)}, nil
}

// openTunLink makes a TUN device in a new network namespace (198.18.0.1/24,
// up) and a UDP socket in it sending UDP_SEGMENT buffers to 198.18.0.2,
// which the kernel cuts into wire packets and routes into the device: the
// same ring as fdlink bench's. The namespace lives as long as the two fds.
func openTunLink(size int) (*link, error) {
	type result struct {
		tun, udp int
		err      error
	}
	ch := make(chan result, 1)
	go func() {
		// Never unlocked: the thread leaves the host namespace, so it must
		// die with this goroutine rather than return to the pool.
		runtime.LockOSThread()
		tun, udp, err := setUpTunInside()
		ch <- result{tun, udp, err}
	}()
	r := <-ch
	if r.err != nil {
		return nil, r.err
	}
	payload := size - 28
	segments := maxUDPPayload / payload
	if segments > maxFloodSegments {
		segments = maxFloodSegments
	}
	bufs := make([][]byte, floodFlows)
	names := make([]unix.RawSockaddrInet4, floodFlows)
	for i := range bufs {
		bufs[i] = make([]byte, payload*segments)
		for k := range bufs[i] {
			bufs[i][k] = byte(i)
		}
		names[i].Family = unix.AF_INET
		binary.BigEndian.PutUint16((*[2]byte)(unsafePortPtr(&names[i]))[:], uint16(20000+i*3))
		names[i].Addr = [4]byte{198, 18, 0, 2}
	}
	return &link{rxFD: r.tun, fds: []int{r.tun, r.udp}, flood: newFlood(r.udp, bufs, names, payload)}, nil
}

func setUpTunInside() (int, int, error) {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return -1, -1, fmt.Errorf("unshare(CLONE_NEWNET): %v", err)
	}
	tun, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, -1, fmt.Errorf("open /dev/net/tun: %v", err)
	}
	fail := func(what string, err error) (int, int, error) {
		unix.Close(tun)
		return -1, -1, fmt.Errorf("%s: %v", what, err)
	}
	ifr, err := unix.NewIfreq("gvbench0")
	if err != nil {
		return fail("ifreq", err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(tun, unix.TUNSETIFF, ifr); err != nil {
		return fail("TUNSETIFF", err)
	}
	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("socket", err)
	}
	fail2 := func(what string, err error) (int, int, error) {
		unix.Close(udp)
		return fail(what, err)
	}
	addr, _ := unix.NewIfreq("gvbench0")
	if err := addr.SetInet4Addr([]byte{198, 18, 0, 1}); err != nil {
		return fail2("address", err)
	}
	if err := unix.IoctlIfreq(udp, unix.SIOCSIFADDR, addr); err != nil {
		return fail2("SIOCSIFADDR", err)
	}
	mask, _ := unix.NewIfreq("gvbench0")
	_ = mask.SetInet4Addr([]byte{255, 255, 255, 0})
	if err := unix.IoctlIfreq(udp, unix.SIOCSIFNETMASK, mask); err != nil {
		return fail2("SIOCSIFNETMASK", err)
	}
	flags, _ := unix.NewIfreq("gvbench0")
	if err := unix.IoctlIfreq(udp, unix.SIOCGIFFLAGS, flags); err != nil {
		return fail2("SIOCGIFFLAGS", err)
	}
	flags.SetUint16(flags.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(udp, unix.SIOCSIFFLAGS, flags); err != nil {
		return fail2("SIOCSIFFLAGS", err)
	}
	return tun, udp, nil
}
