package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// openProved connects and echoes one byte, so the connection is known to
// reach the server (through whatever is in between) before it idles.
func openProved(dst string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", dst, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b := []byte{'x'}
	if _, err := c.Write(b); err == nil {
		_, err = io.ReadFull(c, b)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func idle(args []string) int {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	dst := fs.String("dst", "", "address:port of the echo server")
	n := fs.Int("n", 1000, "connections to hold")
	fs.Parse(args)
	if *dst == "" || *n < 1 {
		fmt.Fprintln(os.Stderr, "t2sload idle: needs --dst ADDR:PORT and --n >= 1")
		return 2
	}
	conns := make([]net.Conn, *n)
	errs := make([]error, *n)
	// A few at a time: a burst of SYNs far past a listen backlog only
	// measures retransmission timers.
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				conns[i], errs[i] = openProved(*dst)
			}
		}()
	}
	for i := 0; i < *n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			fmt.Fprintf(os.Stderr, "t2sload idle: connection %d: %v\n", i, err)
			return 1
		}
	}
	fmt.Printf("ready %d\n", *n)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	for _, c := range conns {
		c.Close()
	}
	return 0
}
