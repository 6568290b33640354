package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// unparsableDSN replaces a key=value connection string that mentions a
// password but does not parse: where the password ends cannot be told.
const unparsableDSN = "(unparsable connection string, hidden)"

// DSN masks the password (and sslpassword) in a PostgreSQL connection
// string, in URL form (postgres://user:secret@host/db?sslpassword=…) or
// key=value form (host=db password='s e c r e t'), keeping the rest as
// written. Every place that shows a DSN uses it. What cannot be parsed is
// hidden rather than risk a leak: a key=value string from the point it
// stops parsing (whole when it mentions a password), a URL whose password
// holds an unencoded '/', '?' or '#' up to its last '@' (whole when a
// query or fragment follows).
func DSN(dsn string) string {
	if isURLDSN(dsn) {
		return urlDSN(dsn)
	}
	params, bad, err := parseConninfo(dsn)
	if err != nil {
		if strings.Contains(strings.ToLower(dsn), "password") {
			return unparsableDSN
		}
	}
	var b strings.Builder
	last := 0
	for _, p := range params {
		if !isSecretParam(p.key) {
			continue
		}
		b.WriteString(dsn[last:p.start])
		b.WriteString(Mask)
		last = p.end
	}
	if err != nil {
		b.WriteString(dsn[last:bad])
		b.WriteString(Mask)
		return b.String()
	}
	b.WriteString(dsn[last:])
	return b.String()
}

// DSNHasPassword reports whether dsn itself carries a password (as opposed
// to one the driver finds in PGPASSWORD or ~/.pgpass). Unparsable strings
// that might hold one count as holding one.
func DSNHasPassword(dsn string) bool {
	if isURLDSN(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return strings.Contains(dsn, "@") // cannot tell: assume the worst
		}
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				return true
			}
		}
		q := u.Query()
		return q.Has("password") || q.Has("sslpassword")
	}
	params, _, err := parseConninfo(dsn)
	if err != nil {
		return strings.Contains(strings.ToLower(dsn), "password")
	}
	for _, p := range params {
		if isSecretParam(p.key) {
			return true
		}
	}
	return false
}

// isSecretParam reports connection parameters whose values are secrets:
// the password, and the passphrase of the client key.
func isSecretParam(key string) bool {
	key = strings.ToLower(key)
	return key == "password" || key == "sslpassword"
}

func isURLDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func urlDSN(dsn string) string {
	u, err := url.Parse(dsn)
	// An unencoded '/', '?' or '#' in a password ends the authority early and
	// pushes the rest of it, with its '@', past the host: then, as when the
	// URL does not parse, hide everything before the last '@' — and all of
	// it when a query (which may hold sslpassword) or fragment follows.
	if err != nil || strings.Contains(u.Path+u.RawQuery+u.Fragment, "@") {
		scheme, rest, _ := strings.Cut(dsn, "://")
		at := strings.LastIndex(rest, "@")
		if at < 0 || strings.ContainsAny(rest[at:], "?#") {
			return Mask
		}
		return scheme + "://" + Mask + rest[at:]
	}
	masked := false
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			// url escapes '*' in userinfo, so put a plain placeholder in and
			// swap it after encoding; ":placeholder@" can only be the separator
			// because an encoded user name has no raw ':'.
			u.User = url.UserPassword(u.User.Username(), "MASKED")
			masked = true
		}
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, part := range parts {
			key, _, _ := strings.Cut(part, "=")
			if name, err := url.QueryUnescape(key); err != nil || isSecretParam(name) {
				parts[i] = key + "=" + Mask
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	out := u.String()
	if masked {
		out = strings.Replace(out, ":MASKED@", ":"+Mask+"@", 1)
	}
	return out
}

// conninfoParam is one key=value pair of a libpq key/value connection
// string, with the byte span of its value (quotes included) so the value
// can be masked in place.
type conninfoParam struct {
	key        string
	start, end int
}

// parseConninfo splits a libpq key/value connection string:
// whitespace-separated key = value pairs, spaces allowed around '=', values
// either single-quoted or bare, backslash escaping the next character. On
// error it returns the pairs before the bad one and where that one starts.
func parseConninfo(s string) (params []conninfoParam, bad int, err error) {
	i := 0
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return params, 0, nil
		}
		k := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[k:i]
		i = skipSpace(s, i)
		if i >= len(s) || s[i] != '=' {
			return params, k, fmt.Errorf("missing \"=\" after %q in connection string", key)
		}
		i = skipSpace(s, i+1)
		p := conninfoParam{key: key, start: i}
		if i, err = skipConninfoValue(s, i); err != nil {
			return params, k, err
		}
		p.end = i
		params = append(params, p)
	}
}

// skipConninfoValue returns where the value starting at i ends.
func skipConninfoValue(s string, i int) (int, error) {
	quoted := i < len(s) && s[i] == '\''
	if quoted {
		i++
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i += 2
			continue
		case quoted && c == '\'':
			return i + 1, nil
		case !quoted && isSpace(c):
			return i, nil
		}
		i++
	}
	if quoted {
		return i, errors.New("unterminated quoted value in connection string")
	}
	return i, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
