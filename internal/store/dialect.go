package store

import (
	"errors"

	"github.com/botgate/botgate/internal/core"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect holds what differs between the two databases. Everything else is
// one SQL text, with $N placeholders, which both drivers accept.
type Dialect struct {
	name  string
	goose goose.Dialect
	// writers is how many group-commit writers run: SQLite has one writer
	// connection; PostgreSQL overlaps a few commits' disk flushes.
	writers int
	// transient reports errors after which the whole batch is tried again.
	transient func(error) bool
	// mergeJSON is SQL merging JSON object b's keys into a's, as text.
	mergeJSON func(a, b string) string
}

var sqliteDialect = Dialect{
	name:      "sqlite",
	goose:     goose.DialectSQLite3,
	writers:   1,
	transient: func(error) bool { return false },
	mergeJSON: func(a, b string) string { return "json_patch(" + a + ", " + b + ")" },
}

var postgresDialect = Dialect{
	name:    "postgres",
	goose:   goose.DialectPostgres,
	writers: 4,
	transient: func(err error) bool {
		var pg *pgconn.PgError
		// 40001 serialization failure, 40P01 deadlock: the database rolled
		// back and asks for the transaction to be tried again.
		return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
	},
	mergeJSON: func(a, b string) string { return "(" + a + "::jsonb || " + b + "::jsonb)::text" },
}

// diskFull makes SQLite's "database or disk is full" an error a client can
// act on: nothing was written, and the same request may be sent again once
// the operator frees space; botgate needs no restart.
func diskFull(err error) error {
	var lite *sqlite.Error
	if errors.As(err, &lite) && lite.Code()&0xff == sqlite3.SQLITE_FULL {
		return &core.Error{Kind: core.KindUnavailable, Message: "the database's disk is full; retry later"}
	}
	return err
}

// isUnique reports a unique-constraint violation on either database.
func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
