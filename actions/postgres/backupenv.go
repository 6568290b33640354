package postgres

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// backupAppName marks pg_dump's session in pg_stat_activity.
const backupAppName = "stacktop backup"

// toolEnv turns the target's connection settings (lib/pq's reading of the
// configured DSN or URL, with the environment it saw) into the environment
// libpq's tools read. Everything goes through the environment, nothing on
// the command line: argv is readable by every user on the machine through
// /proc, while /proc/<pid>/environ is readable only by the same user and
// root, who can read stacktop's config anyway. (A temporary passfile was
// the alternative; it would leave the password on disk if stacktop were
// killed mid-backup.) The database goes in PGDATABASE too, so a name that
// looks like a connection string is never expanded as one.
//
// base is the environment to start from (os.Environ()); every PG* variable
// in it is dropped first, since lib/pq already folded them into cfg and a
// stray one (PGSERVICE, PGOPTIONS) must not redirect the dump.
func toolEnv(base []string, cfg pq.Config) ([]string, error) {
	if cfg.SSLInline {
		return nil, errors.New("the dsn has sslinline=true, which pg_dump does not support — put the certificate and key in files and name them with sslcert/sslkey")
	}
	env := make([]string, 0, len(base)+16)
	for _, kv := range base {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	hosts, ports, addrs := []string{cfg.Host}, []string{portString(cfg.Port)}, []string{addrString(cfg)}
	for _, m := range cfg.Multi {
		hosts = append(hosts, m.Host)
		ports = append(ports, portString(m.Port))
		a := ""
		if m.Hostaddr.IsValid() {
			a = m.Hostaddr.String()
		}
		addrs = append(addrs, a)
	}
	set := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	set("PGHOST", strings.Join(hosts, ","))
	set("PGPORT", strings.Join(ports, ","))
	if strings.Join(addrs, "") != "" {
		set("PGHOSTADDR", strings.Join(addrs, ","))
	}
	set("PGDATABASE", cfg.Database)
	set("PGUSER", cfg.User)
	set("PGPASSWORD", cfg.Password)
	set("PGPASSFILE", cfg.Passfile)
	set("PGSSLMODE", string(cfg.SSLMode))
	set("PGSSLCERT", cfg.SSLCert)
	set("PGSSLKEY", cfg.SSLKey)
	set("PGSSLROOTCERT", cfg.SSLRootCert)
	set("PGOPTIONS", toolOptions(cfg))
	set("PGKRBSRVNAME", cfg.KrbSrvname)
	set("PGTARGETSESSIONATTRS", string(cfg.TargetSessionAttrs))
	if cfg.ConnectTimeout > 0 {
		set("PGCONNECT_TIMEOUT", strconv.Itoa(max(2, int(cfg.ConnectTimeout.Seconds()))))
	}
	set("PGAPPNAME", backupAppName)
	return env, nil
}

// toolOptions is PGOPTIONS for the tools: the DSN's options, then each
// run-time parameter lib/pq would send at startup (search_path=app in the
// DSN, say) as "-c name=value", which is how libpq's tools take them.
// Spaces and backslashes in a value are escaped with a backslash, as
// PGOPTIONS requires.
func toolOptions(cfg pq.Config) string {
	escape := strings.NewReplacer(`\`, `\\`, " ", `\ `)
	opts := cfg.Options
	for _, k := range slices.Sorted(maps.Keys(cfg.Runtime)) {
		opts = strings.TrimSpace(opts + " -c " + escape.Replace(k) + "=" + escape.Replace(cfg.Runtime[k]))
	}
	return opts
}

func portString(p uint16) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(int(p))
}

func addrString(cfg pq.Config) string {
	if cfg.Hostaddr.IsValid() {
		return cfg.Hostaddr.String()
	}
	return ""
}
