package docker

import (
	"testing"

	"github.com/stacktop/stacktop/actions"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/view"
)

// selectContainer moves the cursor to the container called name.
func selectContainer(t *testing.T, tab *Tab, name string) {
	t.Helper()
	for range len(tab.list.rows) + 1 {
		if _, _, n, ok := tab.SelectedContainer(); ok && n == name {
			return
		}
		press(tab, "down")
	}
	t.Fatalf("container %s not in the list", name)
}

// request is the action request a key produced, or nil.
func request(tab *Tab, k string) *view.ActionRequest {
	cmd := tab.updateCmd(keytest.Msg(k))
	if cmd == nil {
		return nil
	}
	if req, ok := cmd().(view.ActionRequest); ok {
		return &req
	}
	return nil
}

var actionDescs = map[string]bool{"start": true, "stop": true, "restart": true, "pause": true, "unpause": true,
	"kill": true, "remove": true, "save logs": true, "shell": true}

func allowAll(string, actions.Target) bool { return true }

// TestActionKeysFollowTheContainerState: R restarts a running container
// (named by name and pinned by id), U starts only a stopped one, P pauses
// only a running one.
func TestActionKeysFollowTheContainerState(t *testing.T) {
	tab, _, _ := newTab(t, 160, 40, 0, Options{Allowed: allowAll})
	selectContainer(t, tab, "proxy")
	_, id, _, _ := tab.SelectedContainer()
	req := request(tab, "R")
	if req == nil || req.Kind != dockeract.RestartID || req.Target.Object != "proxy" || req.Target.Guard != id {
		t.Fatalf("R on proxy requested %+v", req)
	}
	if req := request(tab, "U"); req != nil {
		t.Errorf("U on a running container requested %+v", req)
	}
	if req := request(tab, "P"); req == nil || req.Kind != dockeract.PauseID {
		t.Errorf("P on a running container requested %+v, want pause", req)
	}
	if req := request(tab, "D"); req == nil || req.Kind != dockeract.RemoveID || req.Params["force"] != "true" {
		t.Errorf("D on a running container requested %+v, want remove with force", req)
	}
	selectContainer(t, tab, "shop-migrate-1")
	if req := request(tab, "U"); req == nil || req.Kind != dockeract.StartID {
		t.Errorf("U on an exited container requested %+v, want start", req)
	}
	if req := request(tab, "S"); req != nil {
		t.Errorf("S on an exited container requested %+v", req)
	}
}

// TestActionKeysDisabledWhenRefused: when the Runner would refuse (read-only)
// the action keys do nothing and help leaves them out.
func TestActionKeysDisabledWhenRefused(t *testing.T) {
	for name, allowed := range map[string]view.Allowed{"refused": func(string, actions.Target) bool { return false }, "nil": nil} {
		tab, _, _ := newTab(t, 160, 40, 0, Options{Allowed: allowed})
		selectContainer(t, tab, "proxy")
		for _, k := range []string{"R", "S", "P", "K", "D", "L", "E"} {
			if req := request(tab, k); req != nil {
				t.Errorf("%s: %s requested %+v", name, k, req)
			}
		}
		for _, col := range tab.KeyMap().FullHelp() {
			for _, b := range col {
				if b.Enabled() && actionDescs[b.Help().Desc] {
					t.Errorf("%s: help offers %q", name, b.Help().Desc)
				}
			}
		}
	}
}
