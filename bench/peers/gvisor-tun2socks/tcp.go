package main

import (
	"io"
	"net"
	"sync"

	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// forwardTCP handles one SYN (in its own goroutine, as the forwarder calls
// it): it dials the original destination first and only then completes the
// handshake with the client, or answers RST when the dial fails, so that a
// refused port looks refused to the client (what fdlink's connect-first
// does too).
func forwardTCP(r *tcp.ForwarderRequest, d dialer, c *counters) {
	id := r.ID()
	// LocalAddress/LocalPort: the destination the client asked for.
	out, err := d.dial("tcp", id.LocalAddress, id.LocalPort)
	if err != nil {
		c.tcpFailed.Add(1)
		r.Complete(true)
		return
	}
	var wq waiter.Queue
	ep, e := r.CreateEndpoint(&wq)
	if e != nil {
		c.tcpFailed.Add(1)
		r.Complete(true)
		out.Close()
		return
	}
	r.Complete(false)
	c.tcpTotal.Add(1)
	in := gonet.NewTCPConn(&wq, ep)
	relay(in, out.(*net.TCPConn))
}

// halfCloser is a connection whose write side closes alone.
type halfCloser interface {
	net.Conn
	CloseWrite() error
}

// relay copies both ways; each direction's EOF half-closes the other side,
// and the connections close once both directions are done.
func relay(a *gonet.TCPConn, b *net.TCPConn) {
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst halfCloser, src net.Conn) {
		defer wg.Done()
		if _, err := io.Copy(dst, src); err != nil {
			// A reset or error on one side: tear both down.
			a.Close()
			b.Close()
			return
		}
		dst.CloseWrite()
	}
	go pipe(b, a)
	go pipe(a, b)
	wg.Wait()
	a.Close()
	b.Close()
}
