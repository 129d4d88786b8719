// Command t2sload is the load side of bench/tun2socks.sh: one tool for
// every row, so the rows differ only in the path between client and server.
//
//	t2sload serve --listen ADDR:PORT
//	    An echo server: every connection gets back what it sends until EOF,
//	    then the server closes. Runs until SIGTERM.
//	t2sload cps --dst ADDR:PORT [--seconds 2] [--conc 4] [--size 100]
//	    Short request/response connections for --seconds: each of --conc
//	    workers loops connect, write --size bytes, read them back, close.
//	    Prints one JSON object: conns, errors, seconds, cps, p50_ms, p99_ms.
//	t2sload idle --dst ADDR:PORT [--n 1000]
//	    Opens --n connections, proves each with a one-byte echo, prints
//	    "ready <n>" and holds them open until SIGTERM.
//
// Bad arguments exit 2; a failed run (no connection at all, or an idle
// connection that could not be opened) exits 1.
package main

import (
	"fmt"
	"os"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: t2sload serve|cps|idle [flags] (see the source's header)")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		os.Exit(serve(args))
	case "cps":
		os.Exit(cps(args))
	case "idle":
		os.Exit(idle(args))
	default:
		usage()
	}
}
