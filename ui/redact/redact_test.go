package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestEnv(t *testing.T) {
	for in, want := range map[string]string{
		"PGPASSWORD=hunter2": "PGPASSWORD=****",
		"A=b=c":              "A=****",
		"EMPTY=":             "EMPTY=",
		"NOEQUALS":           "****",
	} {
		if got := Env(in); got != want {
			t.Errorf("Env(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.1.2.3":            "****",
		"10.1.2.3:50432":      "****",
		"[2001:db8::1]:5432":  "****",
		"2001:db8::1":         "****",
		"192.0.2.9/32":        "****",
		"127.0.0.1":           "127.0.0.1",
		"127.0.0.1:5432":      "127.0.0.1:5432",
		"[::1]:40000":         "[::1]:40000",
		"":                    "",
		"[local]":             "[local]",
		"db.internal.example": "****",
	} {
		if got := Addr(in); got != want {
			t.Errorf("Addr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:hunter2@db:5432/app?sslmode=prefer":        "postgres://app:****@db:5432/app?sslmode=prefer",
		"postgresql://app@db/app?password=hunter2&sslmode=disable": "postgresql://app@db/app?password=****&sslmode=disable",
		"postgres://app:pa/ss@db/app":                              "postgres://****@db/app",
		"postgres://app:pa#ss@db/app":                              "postgres://****@db/app",
		"postgres://app:pa/ss@db/app?sslpassword=k3y":              "****",
		"postgres://db/app":                                        "postgres://db/app",
		"host=db user=app password=hunter2 dbname=app":             "host=db user=app password=**** dbname=app",
		"host=db password = 'hunter 2\\' x' sslmode=prefer":        "host=db password = **** sslmode=prefer",
		"sslpassword=k3y host=db":                                  "sslpassword=**** host=db",
		"host=db garbage hunter2":                                  "host=db ****",
		"host=db password='unterminated":                           "(unparsable connection string, hidden)",
		"":                                                         "",
		// Cases first written for the config's DSN display.
		"postgres://mon:hun%40ter2@db/app":  "postgres://mon:****@db/app",
		"postgres://mon:hunter2@db:bad/app": "postgres://****@db:bad/app",
		"postgres://mon:12/34@db/app":       "postgres://****@db/app",
		"postgres://mon:pa?ss@db/app":       "postgres://****@db/app",
		"postgres://db/app?sslpassword=k3y": "postgres://db/app?sslpassword=****",
		"host=db user=mon":                  "host=db user=mon",
	} {
		if got := DSN(in); got != want {
			t.Errorf("DSN(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	for dsn, want := range map[string]bool{
		"host=db password=x": true, "host=db": false, "postgres://u:x@db/app": true,
		"postgres://u@db/app?sslpassword=k": true, "postgres://u@db/app": false, "host=db password='open": true,
	} {
		if got := DSNHasPassword(dsn); got != want {
			t.Errorf("DSNHasPassword(%q) = %v", dsn, got)
		}
	}
}

// conninfoQuote writes v as a quoted libpq conninfo value.
func conninfoQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// FuzzDSN: the redacted string does not depend on the password at all,
// whatever the other values hold and whichever form the string takes.
func FuzzDSN(f *testing.F) {
	f.Add("db", "hunter2", "app")
	f.Add("a b", `it's a \ secret`, "x'y")
	f.Fuzz(func(t *testing.T, host, secret, db string) {
		kv := func(pw string) string {
			return "host=" + conninfoQuote(host) + " password=" + conninfoQuote(pw) + " dbname=" + conninfoQuote(db)
		}
		if a, b := DSN(kv(secret)), DSN(kv("x")); a != b && a != Mask {
			t.Fatalf("DSN(%q) = %q depends on the password (with x: %q)", kv(secret), a, b)
		}
		u := func(pw string) string {
			return "postgres://" + url.UserPassword("app", pw).String() + "@" + url.PathEscape(host) + "/" +
				url.PathEscape(db) + "?sslpassword=" + url.QueryEscape(pw)
		}
		if a, b := DSN(u(secret)), DSN(u("x")); a != b && a != Mask {
			t.Fatalf("DSN(%q) = %q depends on the password (with x: %q)", u(secret), a, b)
		}
	})
}

// TestLoopbackAliasesMasked: only 127.0.0.1 and ::1 stay visible; another
// loopback alias names a service, so it is masked, in both places.
func TestLoopbackAliasesMasked(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": "127.0.0.1", "::1": "::1", "127.0.0.2": Mask, "127.0.1.1/32": Mask, "[local]": "[local]",
	} {
		if got := Addr(addr); got != want {
			t.Errorf("Addr(%q) = %q, want %q", addr, got, want)
		}
	}
	if got := CommandLine("postgres: app shop 127.0.0.2(51710) idle"); strings.Contains(got, "127.0.0.2") {
		t.Errorf("CommandLine kept a loopback alias: %q", got)
	}
}
