// Command gvisor_tun2socks is the gVisor-netstack peer of `fdlink tun2socks
// --direct`: it reads IP packets from a TUN device with gVisor's fdbased
// endpoint (readv dispatch), runs them through a gVisor network stack that
// accepts every destination (promiscuous NIC, spoofed source addresses), and
// forwards each TCP connection (and UDP flow) to its original destination
// over a kernel socket carrying SO_MARK, so policy routing sends it out of
// the namespace instead of back into the TUN.
//
// It is built against Debian's golang-gvisor-gvisor-dev (gVisor as of
// 2022-12-19) in GOPATH mode, offline; bench/tun2socks.sh builds it:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o /tmp/gvisor_tun2socks .
//
// Usage: gvisor_tun2socks --tun NAME --fwmark N [--mtu 1500] [--no-udp]
//
// It prints one line "ready" on stdout once the TUN is attached, and exits 0
// on SIGTERM or SIGINT after printing "stopped tcp_total=N tcp_failed=N
// udp_total=N". Bad flags exit 2; set-up failures exit 1.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/link/tun"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

const nicID tcpip.NICID = 1

// counters are the figures printed at exit.
type counters struct {
	tcpTotal  atomic.Int64
	tcpFailed atomic.Int64
	udpTotal  atomic.Int64
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gvisor_tun2socks: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	name := flag.String("tun", "", "TUN device to open (created if missing)")
	mark := flag.Int("fwmark", -1, "SO_MARK for the outbound sockets (required)")
	mtu := flag.Int("mtu", 1500, "MTU of the TUN link (576..65535)")
	noUDP := flag.Bool("no-udp", false, "drop UDP instead of forwarding it")
	flag.Parse()
	if *name == "" {
		fail(2, "--tun NAME is required")
	}
	if *mark < 0 {
		fail(2, "--fwmark N is required (without it the outbound sockets route back into the TUN)")
	}
	if *mtu < 576 || *mtu > 65535 {
		fail(2, "--mtu must be 576..65535")
	}

	fd, err := tun.Open(*name)
	if err != nil {
		fail(1, "open TUN %s: %v", *name, err)
	}
	ep, err := fdbased.New(&fdbased.Options{
		FDs:                []int{fd},
		MTU:                uint32(*mtu),
		PacketDispatchMode: fdbased.Readv,
	})
	if err != nil {
		fail(1, "fdbased endpoint: %v", err)
	}

	s := newStack()
	if e := s.CreateNIC(nicID, ep); e != nil {
		fail(1, "create NIC: %v", e)
	}
	// Take packets for any address and answer from any address: the stack
	// stands in for every destination the client reaches through the TUN.
	if e := s.SetPromiscuousMode(nicID, true); e != nil {
		fail(1, "promiscuous mode: %v", e)
	}
	if e := s.SetSpoofing(nicID, true); e != nil {
		fail(1, "spoofing: %v", e)
	}
	s.SetRouteTable([]tcpip.Route{
		{Destination: header.IPv4EmptySubnet, NIC: nicID},
		{Destination: header.IPv6EmptySubnet, NIC: nicID},
	})

	var c counters
	d := dialer{mark: *mark}
	tcpFwd := tcp.NewForwarder(s, 0, 4096, func(r *tcp.ForwarderRequest) {
		forwardTCP(r, d, &c)
	})
	s.SetTransportProtocolHandler(tcp.ProtocolNumber, tcpFwd.HandlePacket)
	if !*noUDP {
		udpFwd := udp.NewForwarder(s, func(r *udp.ForwarderRequest) {
			forwardUDP(s, r, d, &c)
		})
		s.SetTransportProtocolHandler(udp.ProtocolNumber, udpFwd.HandlePacket)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	fmt.Println("ready")
	<-sigs
	fmt.Printf("stopped tcp_total=%d tcp_failed=%d udp_total=%d\n",
		c.tcpTotal.Load(), c.tcpFailed.Load(), c.udpTotal.Load())
	// The TUN fd goes with the process; the stack needs no orderly close.
	unix.Close(fd)
	os.Exit(0)
}

// newStack is a gVisor stack for IPv4 and IPv6 with TCP and UDP, tuned as
// gVisor-based tun2socks programs usually are: SACK, receive-buffer
// moderation and gVisor's default buffer ranges (1 MiB, up to 4 MiB), no
// Nagle delay.
func newStack() *stack.Stack {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol},
	})
	sack := tcpip.TCPSACKEnabled(true)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack)
	moderate := tcpip.TCPModerateReceiveBufferOption(true)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &moderate)
	delay := tcpip.TCPDelayEnabled(false)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &delay)
	rcv := tcpip.TCPReceiveBufferSizeRangeOption{
		Min: tcp.MinBufferSize, Default: tcp.DefaultReceiveBufferSize, Max: tcp.MaxBufferSize}
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &rcv)
	snd := tcpip.TCPSendBufferSizeRangeOption{
		Min: tcp.MinBufferSize, Default: tcp.DefaultSendBufferSize, Max: tcp.MaxBufferSize}
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &snd)
	return s
}
