package redact

import (
	"strings"

	"github.com/stacktop/stacktop/actions/sqltext"
)

// Placeholder replaces every literal in redacted query text.
const Placeholder = "?"

// SQL returns query text with every constant replaced by "?": string
// constants in all their forms ('…', E'…', B'…', X'…', N'…', U&'…',
// $tag$…$tag$) and numbers. Comments are dropped (applications put user
// ids and request data in them). Identifiers, quoted or not, keywords,
// operators and $1-style parameters are kept, so the query's shape stays
// readable. Text cut off mid-literal (pg_stat_activity truncates queries)
// is masked to its end.
//
// Whether a backslash escapes a quote in a plain '…' string depends on the
// server's standard_conforming_strings; when the text has a backslash, it is
// read both ways and whatever either reading calls a literal is masked.
func SQL(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for _, s := range sqltext.Lex(q) {
		switch s.Class {
		case sqltext.Literal:
			b.WriteString(Placeholder)
		case sqltext.Comment:
			b.WriteByte(' ') // keeps a/**/b from gluing into ab
		default:
			b.WriteString(q[s.Start:s.End])
		}
	}
	return b.String()
}
