package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/atomicfile"
	"github.com/stacktop/stacktop/collectors"
)

// SavePlanID saves a plan the plan view shows, as text and JSON, into
// Options.PlanDir. It is Read: it only writes two new local files (like
// saving logs), so read-only mode allows it, and the Runner audits it.
const SavePlanID = "postgres.save_plan"

// savePlanTimeout bounds writing the two files.
const savePlanTimeout = 30 * time.Second

// SavedPlan is what SavePlanID produced (its Result.Output).
type SavedPlan struct {
	// Text and JSON are the paths of the files written.
	Text, JSON string
}

// SavePlanParams are the Params of SavePlanID that save p as name (.txt
// and .json): the server's JSON and what the plan was made with, so the
// action rebuilds the very plan shown — findings and all — from them.
func SavePlanParams(p *Plan, name string) actions.Params {
	return actions.Params{"plan": string(p.JSON), "query": p.Query, "name": name,
		"analyzed": strconv.FormatBool(p.Analyzed), "generic": strconv.FormatBool(p.Generic), "work_mem": p.WorkMem}
}

// savePlanKind: Params as SavePlanParams writes them; "name" defaults to
// plan-SOURCE-TIME.
func savePlanKind(opts Options) actions.Kind {
	return actions.Kind{ID: SavePlanID, Title: "Save plan", Risk: actions.Read, TargetKind: collectors.KindPostgres,
		Params: map[string]string{"plan": "the server's EXPLAIN (FORMAT JSON) output",
			"query": "the explained statement", "name": "the file name, without .txt/.json",
			"analyzed": "true for EXPLAIN ANALYZE", "generic": "true for a GENERIC_PLAN",
			"work_mem": "the session's work_mem, quoted by findings"},
		New: func(t actions.Target, p actions.Params) (actions.Action, error) {
			if opts.PlanDir == "" {
				return actions.Action{}, errors.New("save plan: no directory for plans in this session — set state_dir in the config")
			}
			plan, name, err := planFromParams(t, p)
			if err != nil {
				return actions.Action{}, err
			}
			var out SavedPlan
			return actions.Action{ID: SavePlanID, Title: "Save plan", Target: t, Risk: actions.Read, Timeout: savePlanTimeout,
				Description: fmt.Sprintf("Save the plan (%d nodes) as %s.txt and %s.json in %s.", plan.Nodes, name, name, opts.PlanDir),
				Run: func(context.Context, func(actions.Progress)) error {
					var err error
					out.Text, out.JSON, err = plan.Save(opts.PlanDir, name)
					return err
				},
				Output: func() any { return out }}, nil
		}}
}

// planFromParams rebuilds the plan SavePlanParams describes.
func planFromParams(t actions.Target, p actions.Params) (*Plan, string, error) {
	name := p["name"]
	if name == "" {
		name = "plan-" + t.Source + "-" + time.Now().Format("20060102-150405")
	}
	if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return nil, "", fmt.Errorf("save plan: %q is not a file name — give a name without / or a leading dot", name)
	}
	analyzed := p["analyzed"] == "true"
	plan, err := parsePlan([]byte(p["plan"]), analyzed)
	if err != nil {
		return nil, "", fmt.Errorf("save plan: %w", err)
	}
	plan.Query, plan.Generic, plan.WorkMem = p["query"], p["generic"] == "true", p["work_mem"]
	plan.Findings = findings(plan)
	return plan, name, nil
}

// Save writes the plan as base.txt (Text) and base.json (the server's JSON,
// indented) into dir, both private to the user (0600). It never overwrites
// a file: if either name exists, nothing is written. It returns the paths.
func (p *Plan) Save(dir, base string) (textPath, jsonPath string, err error) {
	textPath = filepath.Join(dir, base+".txt")
	jsonPath = filepath.Join(dir, base+".json")
	var js bytes.Buffer
	if err := json.Indent(&js, p.JSON, "", "  "); err != nil {
		return "", "", fmt.Errorf("save plan: %w", err)
	}
	js.WriteByte('\n')
	for _, path := range []string{textPath, jsonPath} {
		if _, err := os.Lstat(path); err == nil {
			return "", "", fmt.Errorf("save plan: %s exists — pick another name", path)
		}
	}
	if err := savePlanFile(textPath, []byte(p.Text())); err != nil {
		return "", "", err
	}
	if err := savePlanFile(jsonPath, js.Bytes()); err != nil {
		_ = os.Remove(textPath) // both or neither
		return "", "", err
	}
	return textPath, jsonPath, nil
}

// savePlanFile writes one of the plan's files, complete or not at all.
func savePlanFile(path string, data []byte) error {
	_, err := atomicfile.WriteNew(filepath.Dir(path), filepath.Base(path), data)
	if errors.Is(err, atomicfile.ErrNameTaken) || errors.Is(err, atomicfile.ErrInProgress) {
		return fmt.Errorf("save plan: %s exists — pick another name", path)
	}
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}
