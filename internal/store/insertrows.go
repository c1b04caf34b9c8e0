package store

import (
	"strconv"
	"strings"
)

// insertRowsMax is the most rows one INSERT carries: 64 rows of a dozen
// columns stay far below both databases' limits on parameters.
const insertRowsMax = 64

// insertRows inserts rows (each a value per column, in columns' order) into
// table with as few statements as it can while keeping their shapes few:
// chunks of 64, 32, … 1 rows, so the prepared-statement cache holds at most
// seven shapes per table, and n rows take one statement per 64 and one per
// bit set in the rest.
func (t *Tx) insertRows(table, columns string, rows [][]any) error {
	for len(rows) > 0 {
		n := insertRowsMax
		for n > len(rows) {
			n /= 2
		}
		if err := t.insertChunk(table, columns, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func (t *Tx) insertChunk(table, columns string, rows [][]any) error {
	var q strings.Builder
	q.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, row := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				q.WriteString(", ")
			}
			args = append(args, v)
			q.WriteString("$" + strconv.Itoa(len(args)))
		}
		q.WriteByte(')')
	}
	_, err := t.Exec(q.String(), args...)
	return err
}
