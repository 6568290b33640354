package host

import (
	"strings"
	"testing"
)

// statTail is everything after "<pid> (<comm>) " in a real stat line, with
// ppid 42, utime 7, stime 5, 3 threads, start 1234 and rss 99 pages.
const statTail = "S 42 1 1 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 3 0 1234 10485760 99 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

func TestParseStat(t *testing.T) {
	ok := []struct{ line, comm string }{
		{"1 (bash) " + statTail, "bash"},
		{"1 (tmux: server) " + statTail, "tmux: server"},
		// A process can name itself so the first ')' lies: only the last counts.
		{"1 ((sd-pam) x)) " + statTail, "(sd-pam) x)"},
		{"1 (a) R 1 (b) " + statTail, "a) R 1 (b"},
		{"1 () " + statTail, ""},
	}
	for _, c := range ok {
		f, good := parseStat([]byte(c.line))
		if !good {
			t.Errorf("parseStat(%q) rejected", c.line)
			continue
		}
		if string(f.comm) != c.comm || f.state != 'S' || f.ppid != 42 || f.ticks != 12 ||
			f.threads != 3 || f.start != 1234 || f.rssPages != 99 {
			t.Errorf("parseStat(%q) = %+v (comm %q)", c.line, f, f.comm)
		}
	}

	// A negative rss (printed signed by the kernel) reads as zero, not 2^64.
	neg := strings.Replace(statTail, " 10485760 99 ", " 10485760 -1 ", 1)
	if f, good := parseStat([]byte("1 (x) " + neg)); !good || f.rssPages != 0 {
		t.Errorf("negative rss: ok=%v rss=%d, want ok and 0", good, f.rssPages)
	}

	bad := []string{
		"",
		"1 (bash",                        // no closing paren
		"1 bash) S 1",                    // no opening paren
		"1 (bash)",                       // nothing after comm
		"1 (bash) ",                      // no state
		"1 (bash)S 1 2",                  // no space after comm
		"1 (bash) S 1 2 3",               // truncated
		"1 (bash) S x " + statTail[4:],   // non-numeric ppid
		"1 (bash) " + statTail[:60] + "", // cut before rss
	}
	for _, line := range bad {
		if f, good := parseStat([]byte(line)); good {
			t.Errorf("parseStat(%q) accepted: %+v", line, f)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1 ((sd-pam) x)) " + statTail))
	f.Add([]byte("1 (a) R 1 (b) " + statTail))
	f.Add([]byte("1 (bash"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Whatever the kernel (or a corrupted fixture) hands us, parsing
		// must not panic, and comm must come from inside the line.
		if st, ok := parseStat(b); ok && len(st.comm) > len(b) {
			t.Fatalf("comm longer than the line")
		}
	})
}

func TestDisplayCommand(t *testing.T) {
	if got := displayCommand("", "kworker/0:1"); got != "[kworker/0:1]" {
		t.Errorf("kernel thread shown as %q", got)
	}
	if got := displayCommand("nginx -g daemon off;", "nginx"); got != "nginx -g daemon off;" {
		t.Errorf("command line shown as %q", got)
	}
}
