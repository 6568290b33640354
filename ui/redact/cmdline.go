package redact

import (
	"net/netip"
	"strings"

	"github.com/stacktop/stacktop/collectors/secret"
)

// CommandLine masks what a process's command line can show that other
// screens mask too, by the same rules:
//
//   - secrets: the password in any URL (scheme://user:secret@host), the
//     value of options and assignments named like a secret (--password=x,
//     --token x, PGPASSWORD=x, password=x in a conninfo argument), by the
//     one word list of internal/secret;
//   - client addresses: every IP address but 127.0.0.1, ::1 and unspecified ones (shownAddr)
//     (as Addr), and in a PostgreSQL backend's title
//     ("postgres: app shop 10.0.5.7(51710) idle") the client's host and
//     port whatever form they take;
//   - query literals (as SQL): in the part of a backend's title after the
//     client, and in the statement of psql -c / --command.
//
// Other words are kept, so the command stays recognisable.
func CommandLine(cmd string) string {
	words := strings.Split(cmd, " ")
	title := isPostgresTitle(cmd)
	psql := len(words) > 0 && (words[0] == "psql" || strings.HasSuffix(words[0], "/psql"))
	sqlFrom, sqlSkip := -1, 0 // words from sqlFrom on are SQL, but for sqlSkip bytes of the first
	maskNext := false
	for i, w := range words {
		switch {
		case w == "":
			continue
		case maskNext:
			words[i], maskNext = Mask, false
			continue
		case title && sqlFrom < 0:
			if host, ok := titleClient(w); ok {
				if host != "[local]" && Addr(host) == Mask {
					words[i] = Mask // host and port: either can name the client
				}
				sqlFrom = i + 1
				continue
			}
		}
		words[i] = maskIPs(maskURLPassword(w))
		name, _, hasValue := strings.Cut(words[i], "=")
		switch {
		case hasValue && secret.Named(name):
			words[i] = name + "=" + Mask
		case !hasValue && strings.HasPrefix(w, "--") && secret.Named(w):
			maskNext = true // --password secret
		case psql && sqlFrom < 0 && (w == "-c" || w == "--command"):
			sqlFrom = i + 1
		case psql && sqlFrom < 0 && strings.HasPrefix(w, "--command="):
			sqlFrom, sqlSkip = i, len("--command=") // the statement begins inside the word
		case psql && sqlFrom < 0 && strings.HasPrefix(w, "-c"):
			sqlFrom, sqlSkip = i, len("-c")
		}
	}
	if sqlFrom < 0 || sqlFrom >= len(words) {
		return strings.Join(words, " ")
	}
	// Everything after the start of the statement is read as SQL: where the
	// statement ends among space-joined arguments cannot be told, so the
	// options after it are masked the same way rather than risk a literal.
	head := strings.Join(words[:sqlFrom], " ")
	if sqlFrom > 0 {
		head += " "
	}
	first := words[sqlFrom]
	words[sqlFrom] = first[sqlSkip:]
	return head + first[:sqlSkip] + SQL(strings.Join(words[sqlFrom:], " "))
}

// isPostgresTitle reports whether cmd is the title a PostgreSQL server
// process gives itself ("postgres: …"; older packagings "postmaster: …").
func isPostgresTitle(cmd string) bool {
	return strings.HasPrefix(cmd, "postgres: ") || strings.HasPrefix(cmd, "postmaster: ")
}

// titleClient recognises the client part of a backend's title: "[local]"
// for a unix socket, or HOST(PORT) with HOST an address or, with
// log_hostname, a name.
func titleClient(w string) (host string, ok bool) {
	if w == "[local]" {
		return w, true
	}
	open := strings.LastIndexByte(w, '(')
	if open <= 0 || !strings.HasSuffix(w, ")") || open+2 >= len(w) {
		return "", false
	}
	for _, c := range w[open+1 : len(w)-1] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return w[:open], true
}

// maskIPs replaces every IP address in w that Addr would hide with Mask:
// dotted quads first, then IPv6 addresses (runs of hex digits and at least
// two colons that parse as one).
func maskIPs(w string) string {
	if !strings.ContainsAny(w, ".:") {
		return w
	}
	isV4 := func(c byte) bool { return c >= '0' && c <= '9' || c == '.' }
	isV6 := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':'
	}
	w = maskRuns(w, isV4, func(run string) bool { return strings.Count(run, ".") == 3 })
	return maskRuns(w, isV6, func(run string) bool { return strings.Count(run, ":") >= 2 })
}

// maskRuns masks each maximal run of bytes in class that looks like an
// address (maybe) and parses as one Addr hides.
func maskRuns(w string, class func(byte) bool, maybe func(string) bool) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(w); {
		if !class(w[i]) {
			i++
			continue
		}
		j := i
		for j < len(w) && class(w[j]) {
			j++
		}
		run := w[i:j]
		if maybe(run) {
			if ip, err := netip.ParseAddr(run); err == nil && !shownAddr(ip) {
				b.WriteString(w[last:i])
				b.WriteString(Mask)
				last = j
			}
		}
		i = j
	}
	if last == 0 {
		return w
	}
	b.WriteString(w[last:])
	return b.String()
}

// maskURLPassword masks user:secret@ after a "://" anywhere in w.
func maskURLPassword(w string) string {
	i := strings.Index(w, "://")
	if i < 0 {
		return w
	}
	rest := w[i+3:]
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return w
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return w
	}
	return w[:i+3] + user + ":" + Mask + rest[at:]
}
