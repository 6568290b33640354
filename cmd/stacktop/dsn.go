package main

import (
	"errors"
	"net/url"
	"strings"
)

// Masking a DSN for display is redact.DSN, and telling whether it holds a
// password redact.DSNHasPassword: the one implementation the views use too.

// dsnWithParam returns dsn with key=value added, in whichever form dsn is written.
func dsnWithParam(dsn, key, value string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		kv := key + "=" + quoteConninfo(value)
		if strings.TrimSpace(dsn) == "" {
			return kv, nil
		}
		return dsn + " " + kv, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", errors.New("dsn is not a valid URL")
	}
	pair := url.QueryEscape(key) + "=" + url.QueryEscape(value)
	if u.RawQuery == "" {
		u.RawQuery = pair
	} else {
		u.RawQuery += "&" + pair
	}
	return u.String(), nil
}

// quoteConninfo quotes a value for a key=value connection string, the way
// libpq reads it: single quotes, with backslash escaping ' and \.
func quoteConninfo(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
