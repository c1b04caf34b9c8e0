package store

import "testing"

func TestRenumber(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`INSERT INTO t (a, b) VALUES ($1, $2)`, `INSERT INTO t (a, b) VALUES ($4, $5)`},
		{`VALUES ($10, '$1', $2)`, `VALUES ($13, '$1', $5)`},
		{`a = $ AND b = $3`, `a = $ AND b = $6`},
	} {
		if got := renumber(c.in, 3); got != c.want {
			t.Errorf("renumber(%q, 3) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestInFront(t *testing.T) {
	held := []laterInsert{
		{table: "attempts", query: `INSERT INTO attempts (a) VALUES ($1)`, args: []any{"x"}},
		{table: "deliveries", query: `INSERT INTO deliveries (b, c) VALUES ($1, $2)`, args: []any{"y", "z"}},
	}
	query, args := inFront(held, `UPDATE messages SET status = $2 WHERE id = $1`, []any{"id", "sent"})
	want := `WITH later_0 AS (INSERT INTO attempts (a) VALUES ($3)), later_1 AS (INSERT INTO deliveries (b, c) VALUES ($4, $5)) ` +
		`UPDATE messages SET status = $2 WHERE id = $1`
	if query != want || len(args) != 5 || args[2] != "x" || args[4] != "z" {
		t.Fatalf("inFront = %q %v,\nwant %q", query, args, want)
	}
}

func TestRides(t *testing.T) {
	held := []laterInsert{{table: "attempts"}, {table: "deliveries"}}
	for _, c := range []struct {
		query string
		want  bool
	}{
		{`UPDATE messages SET status = $2 WHERE id = $1`, true},
		{`UPDATE deliveries SET state = $1`, false},
		{`SELECT count(*) FROM attempts`, false},
		{`WITH c AS (SELECT $1) UPDATE t SET a = 1`, false},
		{"\n\twith recursive n(i) AS (SELECT 1) UPDATE t SET a = 1", false},
	} {
		if got := rides(c.query, held); got != c.want {
			t.Errorf("rides(%q) = %v, want %v", c.query, got, c.want)
		}
	}
}

func TestNamesTable(t *testing.T) {
	for _, c := range []struct {
		query, table string
		want         bool
	}{
		{`UPDATE attempts SET x = 1`, "attempts", true},
		{`SELECT count(*) FROM attempts`, "attempts", true},
		{`UPDATE delivery_attempts SET x = 1`, "attempts", false},
		{`UPDATE messages SET job_attempt = 2, attempts = 3`, "attempts", true},
		{`UPDATE messages SET job_attempt = 2`, "attempts", false},
		{`UPDATE deliveries SET attempts = 2`, "delivery_attempts", false},
	} {
		if got := namesTable(c.query, c.table); got != c.want {
			t.Errorf("namesTable(%q, %q) = %v", c.query, c.table, got)
		}
	}
}
