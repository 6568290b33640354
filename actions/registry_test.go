package actions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
)

func TestRegistry(t *testing.T) {
	kinds := fileKinds(t.TempDir())
	reg, err := actions.NewRegistry(kinds...)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range reg.Kinds() {
		ids = append(ids, k.ID)
	}
	if got := strings.Join(ids, ","); got != "file.append,file.log,file.remove,file.stat" {
		t.Errorf("kinds %s", got)
	}
	if len(reg.For(collectors.KindHost)) != 4 || len(reg.For(collectors.KindDocker)) != 0 {
		t.Error("For by family")
	}
	if _, err := reg.New("file.remove", actions.Target{Kind: collectors.KindDocker, Source: "local", Object: "x"}, nil); err == nil {
		t.Error("a host action was built for a docker target")
	}
	if _, err := reg.New("docker.restart", actions.Target{}, nil); err == nil || !strings.Contains(err.Error(), "known: file.append") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := actions.NewRegistry(append(kinds, kinds[0])...); err == nil {
		t.Error("duplicate kind accepted")
	}
	if _, err := actions.NewRegistry(actions.Kind{ID: "x.y"}); err == nil {
		t.Error("kind without constructor accepted")
	}
	bad := actions.Kind{ID: "x.y", Risk: 7, New: func(actions.Target, actions.Params) (actions.Action, error) {
		return actions.Action{Run: func(context.Context, func(actions.Progress)) error { return nil }}, nil
	}}
	if _, err := actions.NewRegistry(bad); err == nil {
		t.Error("unknown risk accepted")
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]string{
		"docker:local/web":  "docker:local/web",
		"pg:local":          "postgres:local",
		"PostgreSQL:main/1": "postgres:main/1",
		"host:local/1234":   "host:local/1234",
		"docker:local/a/b":  "docker:local/a/b",
	} {
		got, err := actions.ParseTarget(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseTarget(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "docker", "docker:", "k8s:x", "pg:/x"} {
		if _, err := actions.ParseTarget(in); err == nil {
			t.Errorf("ParseTarget(%q) accepted", in)
		}
	}
}
