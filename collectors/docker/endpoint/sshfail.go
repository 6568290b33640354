package endpoint

import (
	"strings"
)

// SSHFailure turns the error of an ssh:// connection whose ssh process
// failed into one line, cause then what to try. ok is false for other
// errors. The docker CLI's helper reports ssh's stderr after "stderr=";
// only its meaningful last line is kept.
func SSHFailure(err error) (msg string, ok bool) {
	if err == nil {
		return "", false
	}
	text := err.Error()
	i := strings.LastIndex(text, "stderr=")
	if i < 0 || !strings.Contains(text, "ssh") {
		return "", false
	}
	stderr := strings.Trim(strings.TrimSpace(text[i+len("stderr="):]), `"`)
	stderr = strings.ReplaceAll(stderr, `\r\n`, "\n")
	stderr = strings.ReplaceAll(stderr, `\n`, "\n")
	var last string
	for l := range strings.Lines(stderr) {
		if l = strings.TrimSpace(l); l != "" {
			last = l
		}
	}
	last = strings.TrimPrefix(last, "ssh: ")
	switch {
	case strings.Contains(stderr, "Permission denied"):
		return "ssh: " + last + " — the server refused every key offered; load yours (ssh-add) or name it with IdentityFile in ~/.ssh/config", true
	case strings.Contains(stderr, "Host key verification failed"), strings.Contains(stderr, "REMOTE HOST IDENTIFICATION HAS CHANGED"):
		return "ssh: host key verification failed — connect once with ssh to check and accept the host key (stacktop never prompts)", true
	case strings.Contains(stderr, "Connection refused"), strings.Contains(stderr, "timed out"),
		strings.Contains(stderr, "Could not resolve"), strings.Contains(stderr, "No route to host"):
		return "ssh: " + last + " — is sshd running there and the address right?", true
	case strings.Contains(stderr, "command not found"), strings.Contains(stderr, "docker: not found"):
		return "the docker CLI is not on the remote PATH — install it there: ssh:// runs `docker system dial-stdio` on the far side", true
	case last == "":
		return "ssh exited without saying why — try `ssh` to that host by hand", true
	}
	return "ssh: " + last, true
}
