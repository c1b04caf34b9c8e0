package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/store"
)

// Plan returns the database's plan for query with args, one line per row:
// SQLite's EXPLAIN QUERY PLAN (SQLite plans without the values), and on
// PostgreSQL the plan for these values or, with generic, the plan a
// prepared statement may keep after five calls, made without them.
func (db DB) Plan(t testing.TB, s *store.Store, generic bool, query string, args ...any) string {
	t.Helper()
	var plan []string
	err := s.Write(t.Context(), func(tx *store.Tx) error {
		plan = plan[:0]
		explain := "EXPLAIN QUERY PLAN " + query
		if db.Kind == "postgres" {
			explain = "EXPLAIN " + query
		}
		if db.Kind == "postgres" && generic {
			for _, q := range []string{`SET LOCAL plan_cache_mode = force_generic_plan`, `PREPARE explained AS ` + query} {
				if _, err := tx.Exec(q); err != nil {
					return err
				}
			}
			defer tx.Exec(`DEALLOCATE explained`)
			// EXECUTE takes its values as literals; the plan is the
			// generic one whatever they are.
			values := make([]string, len(args))
			for i, a := range args {
				values[i] = fmt.Sprint(a)
				if s, ok := a.(string); ok {
					values[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
				}
			}
			explain, args = `EXPLAIN EXECUTE explained(`+strings.Join(values, ", ")+`)`, nil
		}
		rows, err := tx.Query(explain, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("plan of %s: %v", query, err)
	}
	return strings.Join(plan, "\n")
}
