package host

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// secretLiteral is the constant the client's running statement carries.
const secretLiteral = "secret-literal"

// TestLiveDemoHidesBackendClientAndLiterals: a real PostgreSQL backend
// connected from another address than 127.0.0.1, its client psql
// running a statement with a string literal, as the real host collector
// sees them. Under --demo (--redact) the Host tab — table and details —
// shows neither the client's address and port nor the literal, as the
// Postgres tab would not; without it, both are there.
func TestLiveDemoHidesBackendClientAndLiterals(t *testing.T) {
	// A second loopback alias: traffic stays on lo, yet redaction masks it
	// (only 127.0.0.1 and ::1 are shown; see redact.Addr). The kernel gives
	// a client of 127.0.0.x the source 127.0.0.1, and psql cannot choose
	// its own, so psql talks to a relay that dials the server from ip.
	const ip = "127.0.0.2"
	c := pgtest.Need(t, pgtest.Config{})
	relay := relayFrom(t, ip, c.Port)
	hba := filepath.Join(c.Dir, "data", "pg_hba.conf")
	f, err := os.OpenFile(hba, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("\nhost all all " + ip + "/32 scram-sha-256\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Exec("postgres", "SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hc := hs.New(hs.Options{})
	var psqlPID int
	var exited chan struct{} // closed when the current psql has exited
	var snap *hs.Snapshot
	var psqlProc, backend *hs.Process
	deadline := time.Now().Add(30 * time.Second)
	for backend == nil || psqlProc == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no backend titled with client %s and running psql (pid %d) on the host within 30 s", ip, psqlPID)
		}
		if psqlPID == 0 {
			// The reload is asynchronous: until it lands, psql is refused and exits; start it again.
			psql := c.ClientCommand(ctx, "psql", "-h", "127.0.0.1", "-p", strconv.Itoa(relay), "-d", "postgres", "-X", "-c", "SELECT pg_sleep(30), '"+secretLiteral+"'")
			if err := psql.Start(); err != nil {
				t.Fatal(err)
			}
			psqlPID = psql.Process.Pid
			done := make(chan struct{})
			exited = done
			go func() { _ = psql.Wait(); close(done) }()
			t.Cleanup(func() { _ = psql.Process.Kill(); <-done })
		}
		pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
		s, err := hc.Collect(pctx)
		pcancel()
		if err != nil {
			t.Fatal(err)
		}
		snap = s.(*hs.Snapshot)
		psqlProc, backend = nil, nil
		for i := range snap.Processes.List {
			p := &snap.Processes.List[i]
			switch {
			case int(p.PID) == psqlPID && strings.Contains(p.Command, secretLiteral):
				psqlProc = p
			case p.Name == "postgres" && strings.Contains(p.Command, " "+ip+"(") && strings.Contains(p.Command, "SELECT"):
				backend = p
			}
		}
		select {
		case <-exited:
			psqlPID = 0 // refused before the reload landed: try again
		default:
		}
		time.Sleep(100 * time.Millisecond)
	}
	port := backend.Command[strings.Index(backend.Command, " "+ip+"(")+len(ip)+1:]
	port = port[:strings.IndexByte(port, ')')+1] // "(51710)"
	t.Logf("backend %d: %q; psql %d: %q", backend.PID, backend.Command, psqlProc.PID, psqlProc.Command)

	// The real snapshot, cut to the two processes so both are on screen.
	cut := *snap
	cut.Processes.List = []hs.Process{*psqlProc, *backend}
	frames := func(redact bool) []string {
		vctx := testCtx(200, 40)
		vctx.Redact = redact
		tab := New(vctx.Styles, Options{})
		tab.Update(view.SizeMsg{Width: 200, Height: 40})
		tab.Update(fixture.HostUpdate(&cut))
		first := tab.View(vctx) // details of the first row
		press(tab, "j")
		return []string{first, tab.View(vctx)} // and of the second
	}
	plain := strings.Join(frames(false), "\n")
	for _, want := range []string{ip + port, secretLiteral} {
		if !strings.Contains(plain, want) {
			t.Errorf("without --demo the Host tab does not show %q:\n%s", want, plain)
		}
	}
	for i, frame := range frames(true) {
		for _, leak := range []string{ip, port, secretLiteral} {
			if strings.Contains(frame, leak) {
				t.Errorf("--demo frame %d shows %q:\n%s", i, leak, frame)
			}
		}
		if !strings.Contains(frame, "postgres: postgres postgres ****") {
			t.Errorf("--demo frame %d lost the backend's title:\n%s", i, frame)
		}
	}
}

// relayFrom listens on 127.0.0.1 and relays each connection to the server
// on port, dialling it from the address from; it returns the port it
// listens on. It stops when the test ends.
func relayFrom(t *testing.T, from string, port int) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := d.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				in.Close()
				continue
			}
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}
