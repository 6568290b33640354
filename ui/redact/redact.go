// Package redact masks what a shared screen must not show (--redact, implied
// by --demo): environment values, passwords in connection strings and
// command lines, client addresses, and the constants in query text. Views call it on the way to
// the screen, next to ui/sanitize; it changes no stored data.
//
// Each function fails closed: input it cannot make sense of is masked
// whole rather than shown.
package redact

import (
	"net"
	"net/netip"
	"strings"
)

// Mask stands in for a hidden value, wherever stacktop hides one.
const Mask = "****"

// Env masks the value of one environment entry, "KEY=value" → "KEY=***".
// An empty value stays empty (there is nothing to hide); an entry without
// "=" is masked whole, since it is not the shape we know.
func Env(entry string) string {
	k, v, ok := strings.Cut(entry, "=")
	switch {
	case !ok:
		return Mask
	case v == "":
		return entry
	}
	return k + "=" + Mask
}

// Addr masks a client address ("10.1.2.3", "10.1.2.3:50432", "[2001:db8::1]:5432").
// Loopback addresses and local (unix socket) connections are shown: they
// tell nothing about who is connected from where.
func Addr(addr string) string {
	a := strings.TrimSpace(addr)
	switch a {
	case "", "[local]", "local", "localhost":
		return addr
	}
	host := a
	if h, _, err := net.SplitHostPort(a); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if i := strings.IndexByte(host, '/'); i >= 0 { // 10.0.0.1/32 as inet prints it
		host = host[:i]
	}
	if ip, err := netip.ParseAddr(host); err == nil && shownAddr(ip) {
		return addr
	}
	return Mask
}

// shownAddr is the one rule for which addresses stay visible under
// redaction: the well-known loopbacks 127.0.0.1 and ::1 (they tell an
// audience nothing) and unspecified ones (0.0.0.0, ::). Other loopback
// aliases are masked too: people bind services to 127.0.x.y to tell them
// apart, so they name things.
func shownAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || ip == netip.IPv6Loopback() || ip.IsUnspecified()
}
