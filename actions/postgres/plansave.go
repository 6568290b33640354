package postgres

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stacktop/stacktop/actions/atomicfile"
)

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
