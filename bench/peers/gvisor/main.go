// Command gvisor_peer runs the `fdlink bench` workload against gVisor's
// fdbased link endpoint (Debian's golang-gvisor-gvisor-dev, gVisor as of
// 2022-12) and prints the same JSON lines with "impl":"gvisor".
//
// For each fd kind (socketpair seqpacket/dgram, and tun as root), dispatch
// mode (readv, recvmmsg) and packet size it measures a counting
// NetworkDispatcher attached with fdbased.New + Attach while a sender thread
// floods the fd, and the time Attach(nil) takes under that flood.
//
// Build (GOPATH mode, Debian's packaged sources; see bench/run_compare.sh):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o /tmp/gvisor_peer .
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
)

type benchCase struct {
	kind string
	mode string
	size int
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func dispatchMode(m string) fdbased.PacketDispatchMode {
	if m == "recvmmsg" {
		return fdbased.RecvMMsg
	}
	return fdbased.Readv
}

func main() {
	kinds := flag.String("kind", "", "fd kinds, comma-separated: seqpacket,dgram,tun (default: all; tun needs root)")
	modes := flag.String("mode", "readv,recvmmsg", "receive modes, comma-separated")
	sizes := flag.String("size", "64,1400", "IPv4 packet sizes in bytes, comma-separated")
	seconds := flag.Float64("seconds", 1.0, "measured seconds per run")
	rounds := flag.Int("rounds", 3, "runs per case (summed)")
	detachCycles := flag.Int("detach-cycles", 200, "detaches timed under flood per case (0: skip)")
	pin := flag.Bool("pin", true, "run the sender on the first CPU and everything else on the others")
	flag.Parse()
	if *pin {
		pinThreads()
	}

	root := os.Geteuid() == 0
	kindList := splitList(*kinds)
	if len(kindList) == 0 {
		kindList = []string{"seqpacket", "dgram"}
		if root {
			kindList = append(kindList, "tun")
		}
	}
	var sizeList []int
	for _, s := range splitList(*sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 28 || n > 1500 {
			fmt.Fprintf(os.Stderr, "gvisor_peer: bad size %q (28..1500)\n", s)
			os.Exit(2)
		}
		sizeList = append(sizeList, n)
	}
	// gVisor's endpoint leaks one eventfd per endpoint (its stop fd is never
	// closed); the detach samples make hundreds of endpoints.
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil {
		rl.Cur = rl.Max
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &rl)
	}

	plan := runPlan{seconds: *seconds, warmup: clamp(*seconds/5, 0.02, 0.25)}
	ok := true
	for _, kind := range kindList {
		switch kind {
		case "seqpacket", "dgram":
		case "tun":
			if !root {
				fmt.Fprintln(os.Stderr, "note: skipping tun: needs root")
				continue
			}
		default:
			fmt.Fprintf(os.Stderr, "gvisor_peer: unknown kind %q\n", kind)
			os.Exit(2)
		}
		for _, mode := range splitList(*modes) {
			if mode != "readv" && mode != "recvmmsg" {
				fmt.Fprintf(os.Stderr, "gvisor_peer: unknown mode %q\n", mode)
				os.Exit(2)
			}
			if kind == "tun" && mode == "recvmmsg" {
				fmt.Fprintln(os.Stderr, "note: skipping tun/recvmmsg: a TUN fd is not a socket (readv only)")
				continue
			}
			for _, size := range sizeList {
				c := benchCase{kind, mode, size}
				if err := runCase(c, plan, *rounds, *detachCycles); err != nil {
					fmt.Fprintf(os.Stderr, "note: %s/%s/%d: %v\n", kind, mode, size, err)
					ok = false
				}
			}
		}
	}
	if !ok {
		os.Exit(1)
	}
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// runCase measures one case `rounds` times, sums the runs, times detaches
// and prints one line with both.
func runCase(c benchCase, plan runPlan, rounds, detachCycles int) error {
	var sum sample
	for r := 0; r < rounds; r++ {
		s, err := measureRun(c, plan)
		if err != nil {
			return err
		}
		sum.add(s)
	}
	if sum.packets == 0 {
		return fmt.Errorf("no packets received")
	}
	var detach, late []float64
	if detachCycles > 0 {
		var err error
		if detach, late, err = measureDetach(c, detachCycles); err != nil {
			return err
		}
	}
	printThroughput(c, &sum, detach, late)
	return nil
}
