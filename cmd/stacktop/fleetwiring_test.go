package main

import (
	"reflect"
	"testing"

	"github.com/stacktop/stacktop/collectors"
	uifleet "github.com/stacktop/stacktop/ui/fleet"
)

// TestFleetLiveTargets: every [[postgres]] and [[docker]] becomes a live
// target the Fleet tab can jump to, with its prometheus_instance and the
// host it is reached at (this machine's name for a local one).
func TestFleetLiveTargets(t *testing.T) {
	body := `[[postgres]]
name = "main"
host = "db1.internal"
prometheus_instance = "db1:9100"
[[postgres]]
name = "url"
dsn = "postgres://app@db2.internal:5433/app"
[[postgres]]
name = "socket"
host = "/var/run/postgresql"
[[docker]]
name = "build"
host = "ssh://ci@build.internal"
[[docker]]
name = "local"
host = "unix:///var/run/docker.sock"
prometheus_instance = "this:9100"
[[docker]]
name = "tls"
host = "tcp://10.0.0.7:2376"
`
	cfg, _, err := loadString(t, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	pg := func(n string) collectors.SourceID { return collectors.SourceID{Kind: collectors.KindPostgres, Name: n} }
	dk := func(n string) collectors.SourceID { return collectors.SourceID{Kind: collectors.KindDocker, Name: n} }
	want := []uifleet.LiveTarget{
		{Source: pg("main"), Instance: "db1:9100", Host: "db1.internal"},
		{Source: pg("url"), Host: "db2.internal"},
		{Source: pg("socket"), Host: "thishost"},
		{Source: dk("build"), Host: "build.internal"},
		{Source: dk("local"), Instance: "this:9100", Host: "thishost"},
		{Source: dk("tls"), Host: "10.0.0.7"},
	}
	if got := fleetLive(cfg, "thishost"); !reflect.DeepEqual(got, want) {
		t.Errorf("live targets:\n got  %+v\n want %+v", got, want)
	}
}

// TestFleetSources: each [[prometheus]] collector is lent to the Fleet
// tab under its name (nothing is contacted to build it).
func TestFleetSources(t *testing.T) {
	cfg, _, err := loadString(t, "[[prometheus]]\nname = \"prod\"\nurl = \"http://127.0.0.1:1\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	sources, err := buildSources(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSources(sources)
	got := fleetSources(sources)
	if len(got) != 1 || got["prod"] == nil {
		t.Errorf("fleet sources: %v", got)
	}
}
