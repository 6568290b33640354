package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

func TestHintsByCause(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&pq.Error{Code: pqerror.InvalidPassword, Message: "password authentication failed"}, "~/.pgpass"},
		{&pq.Error{Code: pqerror.InsufficientPrivilege, Message: "permission denied for table x"}, `GRANT pg_monitor TO "mon"`},
		{&pq.Error{Code: pqerror.InvalidCatalogName, Message: `database "x" does not exist`}, "dbname"},
		{&pq.Error{Code: pqerror.TooManyConnections, Message: "sorry, too many clients already"}, "max_connections"},
		{&pq.Error{Code: pqerror.CannotConnectNow, Message: "the database system is starting up"}, "starting up"},
		{&pq.Error{Code: pqerror.InvalidAuthorizationSpecification, Message: "no pg_hba.conf entry"}, "pg_hba.conf"},
		{&pq.Error{Code: pqerror.QueryCanceled, Message: "canceling statement due to statement timeout"}, "statement_timeout"},
		{pq.ErrSSLNotSupported, "sslmode=prefer"},
	} {
		if h, _ := hintFor(c.err, "mon"); !strings.Contains(h, c.want) {
			t.Errorf("%v: hint %q lacks %q", c.err, h, c.want)
		}
	}
}

func TestErrorIsOneLineWithoutSecret(t *testing.T) {
	e := &Error{Target: "main", Op: "connect", Cause: errors.New("bad\nthing with s3cret-pw inside"), Hint: "try x", secret: "s3cret-pw"}
	if got := e.Error(); got != `postgres "main": connect: bad thing with ******** inside — try x` {
		t.Errorf("got %q", got)
	}
}

func TestKeepConnection(t *testing.T) {
	for _, c := range []struct {
		err  error
		keep bool
	}{
		{&pq.Error{Code: pqerror.InsufficientPrivilege, Severity: "ERROR"}, true},
		{&pq.Error{Code: pqerror.QueryCanceled, Severity: "ERROR"}, true},
		{&pq.Error{Code: pqerror.AdminShutdown, Severity: "FATAL"}, false},
		{&pq.Error{Code: "08006", Severity: "FATAL"}, false},
		{errors.New("read tcp: connection reset by peer"), false},
	} {
		if got := keepConnection(c.err); got != c.keep {
			t.Errorf("%v: keep=%v", c.err, got)
		}
	}
}
