package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"time"
)

type cpsResult struct {
	Conns   int     `json:"conns"`
	Errors  int     `json:"errors"`
	Seconds float64 `json:"seconds"`
	CPS     float64 `json:"cps"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	Conc    int     `json:"conc"`
	Size    int     `json:"size"`
}

// oneExchange is one short connection: connect, send, read back, close.
func oneExchange(dst string, msg, buf []byte) error {
	c, err := net.DialTimeout("tcp", dst, 3*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write(msg); err != nil {
		return err
	}
	_, err = io.ReadFull(c, buf)
	return err
}

func cps(args []string) int {
	fs := flag.NewFlagSet("cps", flag.ExitOnError)
	dst := fs.String("dst", "", "address:port of the echo server")
	seconds := fs.Float64("seconds", 2, "how long to run")
	conc := fs.Int("conc", 4, "concurrent workers")
	size := fs.Int("size", 100, "request (and response) bytes")
	fs.Parse(args)
	if *dst == "" || *seconds <= 0 || *conc < 1 || *size < 1 {
		fmt.Fprintln(os.Stderr, "t2sload cps: needs --dst ADDR:PORT, --seconds > 0, --conc >= 1, --size >= 1")
		return 2
	}
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	start := time.Now()
	end := start.Add(time.Duration(*seconds * float64(time.Second)))
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := make([]byte, *size)
			buf := make([]byte, *size)
			var mine []time.Duration
			bad := 0
			for time.Now().Before(end) {
				t := time.Now()
				if err := oneExchange(*dst, msg, buf); err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := cpsResult{Conns: len(lat), Errors: errs, Seconds: el, CPS: float64(len(lat)) / el,
		Conc: *conc, Size: *size}
	if len(lat) > 0 {
		r.P50Ms = float64(lat[len(lat)/2]) / 1e6
		r.P99Ms = float64(lat[len(lat)*99/100]) / 1e6
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	if len(lat) == 0 {
		return 1
	}
	return 0
}
