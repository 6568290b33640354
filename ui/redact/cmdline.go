package redact

import (
	"strings"
)

// secretWords mark an option or variable whose value is a secret.
var secretWords = []string{"pass", "secret", "token", "apikey", "api_key", "api-key", "credential", "auth"}

func isSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// CommandLine masks the secrets a process's command line commonly shows:
// the password in any URL (scheme://user:secret@host), the value of
// options and assignments named like a secret (--password=x, --token x,
// PGPASSWORD=x, password=x in a conninfo argument). Other words are kept,
// so the command stays recognisable.
func CommandLine(cmd string) string {
	words := strings.Split(cmd, " ")
	maskNext := false
	for i, w := range words {
		switch {
		case w == "":
			continue
		case maskNext:
			words[i], maskNext = Mask, false
			continue
		}
		words[i] = maskURLPassword(w)
		name, _, hasValue := strings.Cut(words[i], "=")
		switch {
		case hasValue && isSecretName(name):
			words[i] = name + "=" + Mask
		case !hasValue && strings.HasPrefix(w, "--") && isSecretName(w):
			maskNext = true // --password secret
		}
	}
	return strings.Join(words, " ")
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
