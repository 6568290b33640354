package view

import (
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
)

// TestPressedSeesDisabledKeys: Pressed matches a binding's keys whether
// or not it is enabled (key.Matches does not), and nothing else; Refuse
// names the key as its help does.
func TestPressedSeesDisabledKeys(t *testing.T) {
	b := key.NewBinding(key.WithKeys("R", "ctrl+r"), key.WithHelp("R", "restart"))
	b.SetEnabled(false)
	r := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("R")}
	if key.Matches(r, b) {
		t.Fatal("key.Matches matched a disabled binding; Pressed would not be needed")
	}
	if !Pressed(r, b) || !Pressed(tea.KeyMsg{Type: tea.KeyCtrlR}, b) {
		t.Error("Pressed missed a key of a disabled binding")
	}
	if Pressed(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")}, b) {
		t.Error("Pressed matched r for R")
	}
	msg := Refuse(b, "docker.restart", actions.Target{Object: "web"}, "")()
	if got, ok := msg.(RefusedMsg); !ok || got.What != "restart" || got.Kind != "docker.restart" || got.Target.Object != "web" {
		t.Errorf("Refuse gave %#v", msg)
	}
}
