package host

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// userChooser is the list u opens, as htop's: "all users", then every user
// that runs a process, by name with a count. Picking one puts user:NAME in
// the filter, where it shows and esc clears it.
type userChooser struct {
	open  bool
	users []userCount // users[0] is "all users" (name "")
	sel   int
}

type userCount struct {
	name  string
	count int
}

// openOn lists the users of list, with current (the filter's user, "" for
// none) selected.
func (u *userChooser) openOn(list []hs.Process, current string) {
	counts := make(map[string]int)
	for i := range list {
		counts[list[i].User]++
	}
	u.users = append(u.users[:0], userCount{})
	for name, n := range counts {
		u.users = append(u.users, userCount{name: name, count: n})
	}
	slices.SortFunc(u.users[1:], func(a, b userCount) int { return cmp.Compare(a.name, b.name) })
	u.sel = 0
	for i, c := range u.users {
		if i > 0 && strings.EqualFold(c.name, current) {
			u.sel = i
		}
	}
	u.open = true
}

// chooseUser handles a key while the chooser is open: move, pick, cancel,
// or jump to the next user whose name starts with the typed letter.
func (t *Tab) chooseUser(msg tea.KeyMsg) {
	u := &t.users
	switch {
	case key.Matches(msg, t.keys.Up):
		u.sel = max(u.sel-1, 0)
	case key.Matches(msg, t.keys.Down):
		u.sel = min(u.sel+1, len(u.users)-1)
	case key.Matches(msg, t.keys.Top):
		u.sel = 0
	case key.Matches(msg, t.keys.Bottom):
		u.sel = len(u.users) - 1
	case key.Matches(msg, t.keys.PickUser):
		u.open = false
		t.filter.SetValue(withUser(t.filter.Value(), u.users[u.sel].name))
		t.refresh()
	case key.Matches(msg, t.keys.CancelUser):
		u.open = false
	case msg.Type == tea.KeyRunes && len(msg.Runes) == 1:
		for i := range u.users {
			j := (u.sel + 1 + i) % len(u.users)
			if n := u.users[j].name; n != "" && strings.HasPrefix(strings.ToLower(n), strings.ToLower(string(msg.Runes))) {
				u.sel = j
				break
			}
		}
	}
}

// filterUser is the user a filter's user: term names, "" when none.
func filterUser(filter string) string {
	for _, w := range strings.Fields(filter) {
		if f, text, ok := strings.Cut(w, ":"); ok && strings.EqualFold(f, "user") {
			return text
		}
	}
	return ""
}

// withUser replaces the filter's user: terms with user:name, or removes
// them when name is "" (all users); the other words stay.
func withUser(filter, name string) string {
	var words []string
	for _, w := range strings.Fields(filter) {
		if f, _, ok := strings.Cut(w, ":"); ok && strings.EqualFold(f, "user") {
			continue
		}
		words = append(words, w)
	}
	if name != "" {
		words = append(words, "user:"+name)
	}
	return strings.Join(words, " ")
}

// chooserLines draws the chooser in n lines of the table's room, keeping
// the selected user in view.
func (u *userChooser) lines(ctx view.Context, n int) []string {
	st := ctx.Styles
	out := []string{" " + st.Title.Render("Show the processes of") + st.Muted.Render("   ↑/↓ move · enter picks · esc cancels")}
	rows := max(n-1, 1)
	first := max(min(u.sel-rows/2, len(u.users)-rows), 0)
	for i := first; i < min(first+rows, len(u.users)); i++ {
		c := u.users[i]
		name, noun := "all users", ""
		if c.name != "" {
			name, noun = widgets.Cell(sanitize.Line(c.name), 16, false), strconv.Itoa(c.count)+" processes"
			if c.count == 1 {
				noun = "1 process"
			}
		}
		if i == u.sel {
			out = append(out, st.Selected.Render(widgets.Cell(" > "+name+" "+noun, ctx.Width, false)))
		} else {
			out = append(out, "   "+name+" "+st.Muted.Render(noun))
		}
	}
	return out
}
