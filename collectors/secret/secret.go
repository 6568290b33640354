// Package secret holds the one list of words that mark a name as holding a
// secret: an environment variable (DB_PASSWORD), a command-line option
// (--private-key=…), a conninfo key. The Docker collector masks env values
// with it at the source and ui/redact masks command lines and env entries
// with it on the way to the screen; before it, each kept a list of its own
// and they disagreed.
//
// It is a leaf package under collectors/ so that both can import it
// without an arrow pointing the wrong way (collectors must not import ui),
// and without a top-level folder of its own.
package secret

import "strings"

// words are matched as substrings of the upper-cased name, so DB_Password,
// api_key and --private-key all match. The list errs on the side of
// masking: MONKEY and --max-connections are masked too, which costs a
// value on screen; a missed secret costs more.
var words = []string{
	"PASS", // PASSWORD, PASSWD, PGPASSFILE
	"SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "AUTH", "CERT",
	"SALT", "SESSION", "COOKIE", "DSN", "CONN",
}

// Named reports whether a variable or option called name probably holds a
// secret. Leading dashes of an option do not matter.
func Named(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range words {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
