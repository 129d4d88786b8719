package main

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// senderCPU is the CPU the flood's thread runs on, or -1 when unpinned.
var senderCPU = -1

// pinThreads gives the sender the first CPU this process may use and every
// other thread the rest, the placement `fdlink bench --pin` uses. Threads
// the runtime starts later inherit the set of the thread that starts them,
// and the sender's own thread dies with its goroutine (it stays locked).
func pinThreads() {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return
	}
	var cpus []int
	for c := 0; c < 1024; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) < 2 {
		return
	}
	var rest unix.CPUSet
	for _, c := range cpus[1:] {
		rest.Set(c)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return
	}
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			_ = unix.SchedSetaffinity(tid, &rest)
		}
	}
	senderCPU = cpus[0]
}

// pinSender puts the calling (locked) thread on the sender's CPU.
func pinSender() {
	if senderCPU < 0 {
		return
	}
	var one unix.CPUSet
	one.Set(senderCPU)
	_ = unix.SchedSetaffinity(0, &one)
}
