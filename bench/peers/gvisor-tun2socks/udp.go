package main

import (
	"net"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// udpIdle ends a UDP flow with no datagram either way for this long.
const udpIdle = 60 * time.Second

// forwardUDP handles the first datagram of a new flow. The forwarder calls
// it on the packet-processing goroutine, so it only creates the endpoint
// (which also queues that first datagram) and leaves the dial and the copy
// to a goroutine.
func forwardUDP(s *stack.Stack, r *udp.ForwarderRequest, d dialer, c *counters) {
	id := r.ID()
	var wq waiter.Queue
	ep, e := r.CreateEndpoint(&wq)
	if e != nil {
		return
	}
	c.udpTotal.Add(1)
	in := gonet.NewUDPConn(s, &wq, ep)
	go func() {
		out, err := d.dial("udp", id.LocalAddress, id.LocalPort)
		if err != nil {
			in.Close()
			return
		}
		done := make(chan struct{}, 2)
		go copyDatagrams(out, in, done)
		go copyDatagrams(in, out, done)
		<-done
	}()
}

// copyDatagrams moves datagrams from src to dst until either errors or the
// flow is idle for udpIdle; it then closes both so the other copy ends too.
func copyDatagrams(dst, src net.Conn, done chan<- struct{}) {
	buf := make([]byte, 65535)
	for {
		src.SetReadDeadline(time.Now().Add(udpIdle))
		n, err := src.Read(buf)
		if err != nil {
			break
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			break
		}
	}
	src.Close()
	dst.Close()
	done <- struct{}{}
}
