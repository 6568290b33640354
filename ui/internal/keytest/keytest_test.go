package keytest

import "testing"

func TestMsgNamesKeysAsBubbleteaDoes(t *testing.T) {
	for name, want := range map[string]string{
		"esc": "esc", "pgdown": "pgdown", "shift+tab": "shift+tab", "ctrl+r": "ctrl+r",
		"enter": "enter", "q": "q", "/db": "/db", " ": " ",
	} {
		if got := Msg(name).String(); got != want {
			t.Errorf("Msg(%q).String() = %q, want %q", name, got, want)
		}
	}
}
