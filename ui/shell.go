package ui

import (
	"fmt"
	"io"
	"os/exec"
	"path"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/ui/sanitize"
)

// shellExec runs docker.shell's command on the terminal bubbletea lends
// it, after a banner saying where the user now is and how to come back
// ("sh in web · exit to return"): the dashboard is gone from the screen,
// and what is typed next goes to a shell inside a container.
type shellExec struct {
	cmd    *exec.Cmd
	banner string
}

// newShellExec wraps the shell command for container t.
func newShellExec(cmd *exec.Cmd, t actions.Target) *shellExec {
	sh := "shell"
	if n := len(cmd.Args); n > 0 {
		sh = path.Base(cmd.Args[n-1]) // docker … exec -it ID SHELL
	}
	return &shellExec{cmd: cmd, banner: shellBanner(sh, t.Object)}
}

// shellBanner is the line printed before the shell starts.
func shellBanner(shell, container string) string {
	return sanitize.Line(shell) + " in " + sanitize.Line(container) + " · exit to return"
}

// SetStdin implements tea.ExecCommand; like tea.ExecProcess, it keeps
// streams the command already has.
func (s *shellExec) SetStdin(r io.Reader) {
	if s.cmd.Stdin == nil {
		s.cmd.Stdin = r
	}
}

// SetStdout implements tea.ExecCommand.
func (s *shellExec) SetStdout(w io.Writer) {
	if s.cmd.Stdout == nil {
		s.cmd.Stdout = w
	}
}

// SetStderr implements tea.ExecCommand.
func (s *shellExec) SetStderr(w io.Writer) {
	if s.cmd.Stderr == nil {
		s.cmd.Stderr = w
	}
}

// Run prints the banner on the shell's terminal, then runs the shell.
func (s *shellExec) Run() error {
	if s.cmd.Stdout != nil {
		// \r\n: the terminal may still be in raw mode, where \n alone
		// would not return the cursor to the first column.
		if _, err := fmt.Fprintf(s.cmd.Stdout, "\r\n[stacktop] %s\r\n", s.banner); err != nil {
			return err
		}
	}
	return s.cmd.Run()
}
