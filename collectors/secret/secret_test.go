package secret

import "testing"

// TestNamed: the words either former list had (Docker's env masking and
// the command-line redaction) are secrets in every spelling.
func TestNamed(t *testing.T) {
	for name, want := range map[string]bool{
		// the command-line list
		"--password": true, "pass": true, "client_secret": true, "--api-token": true, "apikey": true,
		"api_key": true, "--api-key": true, "GOOGLE_CREDENTIALS": true, "--auth": true,
		// the Docker env list
		"PASSWORD": true, "PASSWD": true, "PRIVATE_KEY": true, "--private-key": true, "TLS_CERT": true,
		"PW_SALT": true, "SESSION_ID": true, "COOKIE_NAME": true, "DATABASE_DSN": true, "DB_CONN": true,
		"PATH": false, "HOME": false, "--port": false, "-D": false, "--verbose": false, "NODE_ENV": false,
	} {
		if got := Named(name); got != want {
			t.Errorf("Named(%q) = %v, want %v", name, got, want)
		}
	}
}
