package widgets

import (
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// ids returns idAt for a list of row ids.
func ids(rows ...int) func(int) int { return func(i int) int { return rows[i] } }

// Until the user moves it, the selection stays on the top row whatever is
// there; once picked it follows the row's id through reorders, stays at
// its position when the row goes, and finds the row again after a filter
// briefly matched nothing.
func TestCursorFollowsThePickedRow(t *testing.T) {
	var c Cursor[int]
	c.Place(3, ids(10, 20, 30), 10)
	c.Place(3, ids(30, 10, 20), 10)
	if c.Sel != 0 || c.ID != 30 {
		t.Fatalf("unpicked: sel %d id %d, want the top row", c.Sel, c.ID)
	}
	c.Pick(1, 3, ids(30, 10, 20), 10)
	c.Place(3, ids(20, 30, 10), 10)
	if c.Sel != 2 || c.ID != 10 {
		t.Errorf("picked 10, after a reorder: sel %d id %d", c.Sel, c.ID)
	}
	c.Place(0, ids(), 10)
	c.Place(4, ids(40, 10, 20, 30), 10)
	if c.Sel != 1 || c.ID != 10 {
		t.Errorf("after an empty list: sel %d id %d, want row 1 (10)", c.Sel, c.ID)
	}
	c.Place(2, ids(40, 20), 10)
	if c.Sel != 1 || c.ID != 20 {
		t.Errorf("row gone: sel %d id %d, want the same position", c.Sel, c.ID)
	}
	c.Pick(99, 2, ids(40, 20), 10)
	if c.Sel != 1 {
		t.Errorf("pick past the end: sel %d", c.Sel)
	}
	c.Pick(-5, 2, ids(40, 20), 10)
	if c.Sel != 0 || c.ID != 40 {
		t.Errorf("pick before the start: sel %d id %d", c.Sel, c.ID)
	}
}

// The window scrolls the least that shows the selection, and never past
// the last row.
func TestCursorScroll(t *testing.T) {
	rows := make([]int, 100)
	for i := range rows {
		rows[i] = i
	}
	var c Cursor[int]
	c.MoveTo(30, 100, ids(rows...), 10)
	if c.Offset != 21 {
		t.Errorf("down to 30 in a 10-row window: offset %d, want 21", c.Offset)
	}
	c.MoveTo(25, 100, ids(rows...), 10)
	if c.Offset != 21 {
		t.Errorf("up within the window moved it: offset %d", c.Offset)
	}
	c.MoveTo(5, 100, ids(rows...), 10)
	if c.Offset != 5 {
		t.Errorf("up to 5: offset %d, want 5", c.Offset)
	}
	c.Sel, c.Offset = 99, 95 // as after the list grew shorter under the window
	c.Scroll(100, 10)
	if c.Offset != 90 {
		t.Errorf("blank rows past the end: offset %d, want 90", c.Offset)
	}
	c.Scroll(100, 0)
	if c.Offset != 99 {
		t.Errorf("a zero-row window: offset %d, want the selection (99)", c.Offset)
	}
}

func TestEditFilter(t *testing.T) {
	accept := key.NewBinding(key.WithKeys("enter"))
	cancel := key.NewBinding(key.WithKeys("esc"))
	ti := NewPrompt(plain(), "/", "name")
	ti.Focus()
	for _, r := range "pg" {
		if changed, _ := EditFilter(&ti, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}, accept, cancel); !changed {
			t.Errorf("typing %q did not change the filter", r)
		}
	}
	if changed, _ := EditFilter(&ti, tea.KeyMsg{Type: tea.KeyLeft}, accept, cancel); changed {
		t.Error("moving the cursor changed the filter")
	}
	if changed, _ := EditFilter(&ti, tea.KeyMsg{Type: tea.KeyEnter}, accept, cancel); changed || ti.Focused() || ti.Value() != "pg" {
		t.Errorf("enter: changed %v, focused %v, value %q; want closed, keeping pg", changed, ti.Focused(), ti.Value())
	}
	ti.Focus()
	if changed, _ := EditFilter(&ti, tea.KeyMsg{Type: tea.KeyEsc}, accept, cancel); !changed || ti.Focused() || ti.Value() != "" {
		t.Errorf("esc: changed %v, focused %v, value %q; want closed and cleared", changed, ti.Focused(), ti.Value())
	}
}
