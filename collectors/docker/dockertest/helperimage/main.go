// Command helperimage is the only program in stacktop's test image: a
// static binary that behaves like the containers the Docker tests need.
//
//	helper idle                 sleep until stopped
//	helper burn                 keep one CPU busy
//	helper hold MiB             allocate and touch MiB mebibytes, then idle
//	helper logs RATE [COUNT]    print COUNT (0 = endless) lines at RATE per
//	                            second (0 = as fast as possible), alternating
//	                            stdout and stderr, with ANSI escapes and a very
//	                            long line every 50th line
//	helper exit CODE            print one line and exit with CODE
//	helper health               the HEALTHCHECK command: fails when the
//	                            environment has HELPER_HEALTH=fail
//
// Every mode but stubborn exits promptly on SIGTERM, so stopping a
// container is quick.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper idle|burn|hold MiB|logs RATE [COUNT]|exit CODE|health|stubborn")
		os.Exit(2)
	}
	if os.Args[1] == "health" {
		if os.Getenv("HELPER_HEALTH") == "fail" {
			fmt.Println("health: failing on purpose")
			os.Exit(1)
		}
		fmt.Println("health: ok")
		return
	}
	if os.Args[1] == "stubborn" {
		// Ignores SIGTERM, so `docker stop` (and restart) waits its whole
		// timeout before it kills: an action that takes a while, on purpose.
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
		for {
			time.Sleep(time.Hour) // a bare select{} would be a deadlock to the runtime
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		os.Exit(0)
	}()
	switch os.Args[1] {
	case "idle":
		select {}
	case "burn":
		burn()
	case "hold":
		hold(intArg(2, 64))
	case "logs":
		logs(intArg(2, 10), intArg(3, 0))
		select {}
	case "exit":
		fmt.Println("exiting on purpose")
		os.Exit(intArg(2, 1))
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

func intArg(i, def int) int {
	if len(os.Args) <= i {
		return def
	}
	n, err := strconv.Atoi(os.Args[i])
	if err != nil {
		fmt.Fprintf(os.Stderr, "bad number %q\n", os.Args[i])
		os.Exit(2)
	}
	return n
}

// burn spins on one core; the loop does real work so it is not optimised out.
func burn() {
	runtime.GOMAXPROCS(1)
	x := uint64(1)
	for {
		for range 1 << 20 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if x == 0 {
			fmt.Println(x)
		}
	}
}

// hold allocates mib MiB and writes every page so it is resident, then idles.
func hold(mib int) {
	buf := make([]byte, mib<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = byte(i)
	}
	fmt.Printf("holding %d MiB\n", mib)
	for {
		time.Sleep(time.Hour)
		runtime.KeepAlive(buf)
	}
}

// logs prints numbered lines; tests search for "line N".
func logs(rate, count int) {
	var tick <-chan time.Time
	if rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		tick = t.C
	}
	long := strings.Repeat("x", 100_000)
	for i := 1; count == 0 || i <= count; i++ {
		if tick != nil {
			<-tick
		}
		out := os.Stdout
		if i%2 == 0 {
			out = os.Stderr
		}
		switch {
		case i%50 == 0:
			fmt.Fprintf(out, "line %d long %s\n", i, long)
		case i%5 == 0:
			fmt.Fprintf(out, "line %d \x1b[31mred\x1b[0m \x1b]0;title\x07 bell\n", i)
		default:
			fmt.Fprintf(out, "line %d %s\n", i, map[bool]string{true: "stderr", false: "stdout"}[i%2 == 0])
		}
	}
}
