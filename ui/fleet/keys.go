package fleet

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/stacktop/stacktop/collectors"
)

// KeyMap is the Fleet tab's keys. It implements help.KeyMap (the tables'
// keys); the detail's are its detailKeys. Bindings that do nothing at the
// moment are disabled so help leaves them out.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	// Open shows the selected host's detail; Back leaves it.
	Open, Back key.Binding
	// View cycles Hosts → PostgreSQL → Containers.
	View key.Binding
	Sort key.Binding
	// Filter opens the prompt; Accept keeps its text, Clear drops it.
	Filter, Accept, Clear key.Binding
	// PrevSource and NextSource switch between [[prometheus]] sources.
	PrevSource, NextSource key.Binding
	// Reload asks the detail again.
	Reload key.Binding
	// LivePostgres and LiveDocker jump to the live tab of the selected
	// host's [[postgres]] / [[docker]] target.
	LivePostgres, LiveDocker key.Binding
}

func newKeyMap() KeyMap {
	return KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Top:          key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first")),
		Bottom:       key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last")),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "host detail")),
		Back:         key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back to the list")),
		View:         key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "hosts/postgres/containers")),
		Sort:         key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter (job:… env:…)")),
		Accept:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		Clear:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		PrevSource:   key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous Prometheus")),
		NextSource:   key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next Prometheus")),
		Reload:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload")),
		LivePostgres: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "live Postgres tab")),
		LiveDocker:   key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "live Docker tab")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Accept, k.Clear, k.Open, k.View, k.Sort, k.Filter, k.NextSource, k.LivePostgres, k.LiveDocker}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.View, k.Sort, k.PrevSource, k.NextSource},
		{k.Filter, k.Accept, k.Clear},
		{k.LivePostgres, k.LiveDocker},
	}
}

// detailKeyMap is the host detail's keys.
type detailKeyMap struct{ k KeyMap }

func (d detailKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{d.k.Back, d.k.Reload, d.k.LivePostgres, d.k.LiveDocker, d.k.Down, d.k.Up}
}

func (d detailKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{d.k.Up, d.k.Down, d.k.PageUp, d.k.PageDown, d.k.Top}, {d.k.Back, d.k.Reload}, {d.k.LivePostgres, d.k.LiveDocker}}
}

func (k KeyMap) detailKeys() help.KeyMap { return detailKeyMap{k} }

// keyState is what decides which keys act.
type keyState struct {
	editing, filtered bool
	rows              int
	hostRow           bool // the selected row has a host (a host, or a server on one)
	sources           int
	data              bool
	live              map[collectors.Kind]bool // live targets of the selected host
	detail            bool
}

func (k *KeyMap) enable(s keyState) {
	list := !s.editing && !s.detail
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom} {
		b.SetEnabled((list && s.rows > 0) || s.detail)
	}
	k.Bottom.SetEnabled(list && s.rows > 0)
	k.Open.SetEnabled(list && s.hostRow)
	k.Back.SetEnabled(s.detail)
	k.View.SetEnabled(list && s.data)
	k.Sort.SetEnabled(list && s.data)
	k.Filter.SetEnabled(list)
	k.Accept.SetEnabled(s.editing)
	k.Clear.SetEnabled(s.editing || (list && s.filtered))
	k.PrevSource.SetEnabled(list && s.sources > 1)
	k.NextSource.SetEnabled(list && s.sources > 1)
	k.Reload.SetEnabled(s.detail)
	k.LivePostgres.SetEnabled(!s.editing && s.live[collectors.KindPostgres])
	k.LiveDocker.SetEnabled(!s.editing && s.live[collectors.KindDocker])
}
