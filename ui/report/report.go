// Package report renders hub updates as the documented JSON document and the
// plain-text summary printed by `stacktop snapshot`.
package report

import (
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// Document is the JSON snapshot, a documented interface (see README):
// snake_case keys, units in key names, null for figures that do not exist yet.
type Document struct {
	TakenAt  time.Time     `json:"taken_at"`
	Host     *HostDoc      `json:"host"`
	Postgres []PostgresDoc `json:"postgres"`
	Docker   []DockerDoc   `json:"docker"`
	// Fleet has one element per [[prometheus]] source.
	Fleet []FleetDoc `json:"fleet"`
}

// Build assembles the document from the latest update of every source.
func Build(now time.Time, updates []collectors.Update) Document {
	doc := Document{TakenAt: now.UTC(), Postgres: []PostgresDoc{}, Docker: []DockerDoc{}, Fleet: []FleetDoc{}}
	for _, u := range updates {
		switch u.Source.Kind {
		case collectors.KindHost:
			doc.Host = hostDoc(u, now)
		case collectors.KindPostgres:
			doc.Postgres = append(doc.Postgres, postgresDoc(u, now))
		case collectors.KindDocker:
			doc.Docker = append(doc.Docker, dockerDoc(u, now))
		case collectors.KindPrometheus:
			doc.Fleet = append(doc.Fleet, fleetDoc(u, now))
		}
	}
	return doc
}

// errorText is the update's error as one line, or nil when the poll succeeded.
func errorText(u collectors.Update) *string {
	if u.Err == nil {
		return nil
	}
	s := u.Err.Error()
	return &s
}

// SourceState is a source's state as the JSON's "state" and the text
// summary give it: "ok", "stale", "degraded", "down", "waiting" or
// "not found".
func SourceState(u collectors.Update, now time.Time) string {
	switch {
	case u.NotFound():
		return "not found"
	case u.Health() == collectors.HealthOK && u.Stale(now):
		return "stale"
	}
	return u.Health().String()
}

// asOf is when the figures shown were taken, set only when they are
// history (the source is down, degraded or stale at now): consumers must
// not read them as current, and rates are left out (null).
func asOf(u collectors.Update, now time.Time) *time.Time {
	if u.Snapshot == nil || u.Live(now) {
		return nil
	}
	t := u.LastGood.UTC()
	return &t
}
