package main

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// ConfigError is everything wrong with a config file, one problem per line,
// each starting with file:line:column when the position is known.
type ConfigError struct{ Problems []string }

// Error joins the problems, one per line.
func (e *ConfigError) Error() string { return strings.Join(e.Problems, "\n") }

// position is a 1-based line and column in the config file; zero when unknown.
type position struct{ Line, Col int }

// keyIndex maps each key of the document to where it is written. Keys are
// dotted paths; entries of an array of tables carry their index, so the
// second [[postgres]] entry's host is "postgres.1.host" and its header is
// "postgres.1". Values are scalars or whole arrays; their insides are not indexed.
type keyIndex struct {
	pos   map[string]position
	kinds map[string]unstable.Kind // value kind of each key = value
	order []string                 // key = value paths in document order
}

// indexKeys parses data (already known to be valid TOML) to find every key.
func indexKeys(data []byte) keyIndex {
	idx := keyIndex{pos: map[string]position{}, kinds: map[string]unstable.Kind{}}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	counts := map[string]int{}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(e.Key())
			name := strings.Join(table, ".")
			if e.Kind == unstable.ArrayTable {
				n := counts[name]
				counts[name] = n + 1
				table = append(table, strconv.Itoa(n))
			}
			idx.pos[strings.Join(table, ".")] = firstKeyPos(&p, e.Key())
		case unstable.KeyValue:
			path := strings.Join(append(append([]string{}, table...), keyParts(e.Key())...), ".")
			idx.pos[path] = firstKeyPos(&p, e.Key())
			idx.kinds[path] = e.Value().Kind
			idx.order = append(idx.order, path)
		}
	}
	return idx
}

func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

func firstKeyPos(p *unstable.Parser, it unstable.Iterator) position {
	if !it.Next() {
		return position{}
	}
	s := p.Shape(it.Node().Raw).Start
	return position{Line: s.Line, Col: s.Column}
}

// at returns where path is written, or the zero position.
func (k keyIndex) at(path string) position { return k.pos[path] }

// nearest returns where path is written or, for a key left to its default,
// where its closest written parent table is (an [[docker]] entry's header):
// every problem the resolver finds then has a place in the file.
func (k keyIndex) nearest(path string) position {
	for {
		if pos, ok := k.pos[path]; ok {
			return pos
		}
		i := strings.LastIndex(path, ".")
		if i < 0 {
			return position{}
		}
		path = path[:i]
	}
}

// problem formats one line: "file:line:col: message".
func problem(file string, pos position, format string, args ...any) string {
	msg := fmt.Sprintf(format, args...)
	if pos.Line == 0 {
		return file + ": " + msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, pos.Line, pos.Col, msg)
}

// describeDecodeError turns go-toml's error into one line per problem,
// naming the key, what was expected, and a likely fix.
func describeDecodeError(file string, data []byte, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		ce := &ConfigError{}
		for i := range strict.Errors {
			ce.Problems = append(ce.Problems, describeUnknownKey(file, &strict.Errors[i]))
		}
		return ce
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return &ConfigError{Problems: []string{problem(file, position{line, col}, "%s", describeValueError(de))}}
	}
	var dur *durationError
	if errors.As(err, &dur) {
		key, pos := locateBareDuration(indexKeys(data))
		return &ConfigError{Problems: []string{problem(file, pos, "%s: %v", key, err)}}
	}
	return &ConfigError{Problems: []string{problem(file, position{}, "%v", err)}}
}

func describeUnknownKey(file string, e *toml.DecodeError) string {
	line, col := e.Position()
	key := e.Key()
	name := strings.Join(key, ".")
	msg := "unknown key " + name
	if len(key) == 1 && strings.Contains(e.Error(), "missing table") {
		msg = "unknown section [" + name + "]"
	}
	last := key[len(key)-1]
	switch {
	case last == "password":
		msg += " — passwords do not go in the config file: use ~/.pgpass, PGPASSWORD or password_env = \"VAR\""
	default:
		if s := closest(last, knownKeys(reflect.TypeFor[fileConfig](), key[:len(key)-1])); s != "" {
			msg += " — did you mean " + s + "?"
		}
	}
	return problem(file, position{line, col}, "%s", msg)
}

var mismatchRE = regexp.MustCompile(`cannot decode TOML (.+?) into`)

// describeValueError rewrites a type mismatch ("cannot decode TOML string
// into struct field main.generalSection.ReadOnly of type *bool") in the
// user's terms; other decode errors keep their message, prefixed by the key.
func describeValueError(de *toml.DecodeError) string {
	key := strings.Join(de.Key(), ".")
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	if m := mismatchRE.FindStringSubmatch(msg); m != nil && key != "" {
		want := describeType(fieldType(reflect.TypeFor[fileConfig](), de.Key()))
		return fmt.Sprintf("%s: wrong type — expected %s, got a %s", key, want, m[1])
	}
	if key == "" {
		return "syntax error: " + msg
	}
	return key + ": " + msg
}

// locateBareDuration finds the duration key written as a bare number, which
// go-toml reports without a position. Decoding stops at the first error, so
// the first such key in document order is the culprit.
func locateBareDuration(idx keyIndex) (string, position) {
	for _, path := range idx.order {
		k := idx.kinds[path]
		if (k == unstable.Integer || k == unstable.Float) && isDurationKey(path) {
			return path, idx.at(path)
		}
	}
	return "duration", position{}
}

// isDurationKey reports whether the key at path (array indices included,
// as keyIndex writes them) holds a Duration or an Interval.
func isDurationKey(path string) bool {
	var parts []string
	for _, p := range strings.Split(path, ".") {
		if _, err := strconv.Atoi(p); err != nil {
			parts = append(parts, p)
		}
	}
	t := fieldType(reflect.TypeFor[fileConfig](), parts)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t == reflect.TypeFor[Duration]() || t == reflect.TypeFor[Interval]()
}

// knownKeys lists the keys allowed in the table at path, from the toml tags of t.
func knownKeys(t reflect.Type, path []string) []string {
	ft := fieldType(t, path)
	for ft != nil && (ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice) {
		ft = ft.Elem()
	}
	if ft == nil || ft.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range structFields(ft) {
		keys = append(keys, f.Tag.Get("toml"))
	}
	return keys
}

// fieldType follows path (TOML keys) through t's toml tags; nil when a key is unknown.
func fieldType(t reflect.Type, path []string) reflect.Type {
	for _, part := range path {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		var next reflect.Type
		for f := range structFields(t) {
			if f.Tag.Get("toml") == part {
				next = f.Type
				break
			}
		}
		if next == nil {
			return nil
		}
		t = next
	}
	return t
}

// structFields yields t's tagged fields, flattening embedded structs as go-toml does.
func structFields(t reflect.Type) func(func(reflect.StructField) bool) {
	return func(yield func(reflect.StructField) bool) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				for g := range structFields(f.Type) {
					if !yield(g) {
						return
					}
				}
				continue
			}
			if f.Tag.Get("toml") != "" && !yield(f) {
				return
			}
		}
	}
}

// describeType names what a config value of type t must look like.
func describeType(t reflect.Type) string {
	if t == nil {
		return "something else"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[Duration](), reflect.TypeFor[Interval]():
		return `a duration string like "2s"`
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a quoted string"
	case reflect.Int, reflect.Int64, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "[[tables]] of settings"
	case reflect.Struct:
		return "a [table] of settings"
	}
	return t.String()
}

// closest returns the candidate within a small edit distance of s, for
// "did you mean" hints; "" when nothing is close.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD && d < len(c) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
