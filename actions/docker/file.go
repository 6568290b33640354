package docker

import (
	"strings"
	"time"
)

// fileBase is the start of a saved file's name: the parts (source,
// container, path) made safe for a file name, and the UTC time.
func fileBase(now time.Time, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if s := safeName(p); s != "" {
			b.WriteString(s)
			b.WriteByte('-')
		}
	}
	b.WriteString(now.UTC().Format("20060102T150405Z"))
	return b.String()
}

// safeName keeps letters, digits, '.', '_' and '-' (so no '/' or leading
// dot can move the file elsewhere or hide it), maps the rest to '_' and
// caps the length.
func safeName(s string) string {
	s = strings.Trim(s, "/")
	out := []byte(s)
	for i := range out {
		c := out[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			out[i] = '_'
		}
	}
	s = strings.TrimLeft(string(out), ".")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
