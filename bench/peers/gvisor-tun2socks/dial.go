package main

import (
	"net"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
)

// dialer opens the outbound kernel sockets, each with SO_MARK set before
// connect so that the routing decision already sees the mark.
type dialer struct {
	mark int
}

const dialTimeout = 5 * time.Second

func (d dialer) netDialer() *net.Dialer {
	return &net.Dialer{
		Timeout: dialTimeout,
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, d.mark)
			}); err != nil {
				return err
			}
			return serr
		},
	}
}

// dial connects to addr:port over network ("tcp" or "udp").
func (d dialer) dial(network string, addr tcpip.Address, port uint16) (net.Conn, error) {
	host := net.IP([]byte(addr)).String()
	return d.netDialer().Dial(network, net.JoinHostPort(host, strconv.Itoa(int(port))))
}
