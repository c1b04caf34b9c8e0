package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// On PostgreSQL every statement is a round trip, and a send's or a
// callback's record is an INSERT nobody reads back (the attempt) beside an
// UPDATE whose row count matters (the message's status, under its lease).
// So such INSERTs are held and sent as data-modifying WITH clauses in front
// of the operation's next statement: one round trip for both. SQLite has no
// round trips, and runs them at once.
//
// PostgreSQL runs a statement's WITH clauses on the statement's snapshot,
// so the statement does not see the rows they insert; a held INSERT
// therefore never rides in a statement that names its table, nor in a
// query, nor in front of a statement's own WITH clauses. Whatever is still
// held when the operation ends is sent then, so an operation's failure is
// its own.

// laterInsert is an INSERT held for the operation's next statement.
type laterInsert struct {
	table string
	query string
	args  []any
}

// execLater runs an INSERT into table whose result the caller does not
// read, now on SQLite, with the operation's next statement on PostgreSQL.
func (t *Tx) execLater(table, query string, args ...any) error {
	if t.s.dialect.name != postgresDialect.name {
		_, err := t.Exec(query, args...)
		return err
	}
	t.later = append(t.later, laterInsert{table: table, query: query, args: args})
	return nil
}

// withLater returns query with the held INSERTs in front of it, and clears
// them, with the INSERTs that ride; or, when query names one of their
// tables, sends them first on their own and returns query as it was.
func (t *Tx) withLater(query string, args []any) (string, []any, []laterInsert, error) {
	if len(t.later) == 0 {
		return query, args, nil, nil
	}
	if !rides(query, t.later) {
		if err := t.flushLater(); err != nil {
			return "", nil, nil, err
		}
		return query, args, nil, nil
	}
	held := t.later
	t.later = nil
	query, args = inFront(held, query, args)
	return query, args, held, nil
}

// rides reports whether held INSERTs may ride in front of query: not when
// it names one of their tables (it would not see their rows), nor when it
// has WITH clauses of its own.
func rides(query string, held []laterInsert) bool {
	if q := strings.TrimLeft(query, " \t\n"); len(q) >= 4 && strings.EqualFold(q[:4], "WITH") {
		return false
	}
	for _, l := range held {
		if namesTable(query, l.table) {
			return false
		}
	}
	return true
}

// failedRiding notes err as the operation's when a held INSERT that rode in
// the statement caused it: the caller of Exec may read a failure's kind (a
// unique violation as a conflict of its own), and would misname it.
func (t *Tx) failedRiding(err error, rode []laterInsert) {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return
	}
	for _, l := range rode {
		if pg.TableName == l.table {
			t.laterErr = err
			return
		}
	}
}

// flushLater sends the held INSERTs, all in one statement.
func (t *Tx) flushLater() error {
	n := len(t.later)
	if n == 0 {
		return nil
	}
	held, last := t.later[:n-1], t.later[n-1]
	t.later = nil
	query, args := inFront(held, last.query, last.args)
	if _, err := t.exec(query, args...); err != nil {
		// Kept for the operation: a QueryRow cannot return it, and
		// PostgreSQL answers whatever follows with "transaction aborted".
		t.laterErr = err
		return err
	}
	return nil
}

// inFront puts held INSERTs as WITH clauses in front of query, their
// placeholders numbered after query's.
func inFront(held []laterInsert, query string, args []any) (string, []any) {
	if len(held) == 0 {
		return query, args
	}
	var b strings.Builder
	b.WriteString("WITH ")
	for i, l := range held {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("later_" + strconv.Itoa(i) + " AS (")
		b.WriteString(renumber(l.query, len(args)))
		b.WriteString(")")
		args = append(args, l.args...)
	}
	b.WriteString(" ")
	b.WriteString(query)
	return b.String(), args
}

// renumber adds by to every $N placeholder of query outside string literals.
func renumber(query string, by int) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c == '\'' {
			quoted = !quoted
		}
		if c != '$' || quoted {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(query) && query[j] >= '0' && query[j] <= '9' {
			j++
		}
		if j == i+1 {
			b.WriteByte(c)
			continue
		}
		n, _ := strconv.Atoi(query[i+1 : j])
		b.WriteString("$" + strconv.Itoa(n+by))
		i = j - 1
	}
	return b.String()
}

// namesTable reports whether query mentions table as a whole word.
func namesTable(query, table string) bool {
	for from := 0; ; {
		k := strings.Index(query[from:], table)
		if k < 0 {
			return false
		}
		at := from + k
		end := at + len(table)
		if (at == 0 || !wordByte(query[at-1])) && (end == len(query) || !wordByte(query[end])) {
			return true
		}
		from = at + 1
	}
}

func wordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
