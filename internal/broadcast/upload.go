package broadcast

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
)

// Upload limits.
const (
	MaxUploadRows = 1_000_000
	maxRefused    = 1000 // refused rows reported; the rest are only counted as not kept
	uploadBatch   = 2000
)

// row is one upload row, read.
type row struct {
	line   int
	way    string
	value  string
	params map[string]string
}

// Upload stores a recipient list read from r ("csv" or "jsonl"), streamed
// in batches, for an audience's Upload to name. Each row names its user in
// exactly one way (psid, wa_id, phone, username, email); CSV's other
// columns and JSON Lines' "params" are the row's params. Rows that break a
// rule are refused with their line and reason; the rest are kept.
func (s *Service) Upload(ctx context.Context, botID string, r io.Reader, format string) (*Upload, error) {
	var next func() (*row, error)
	switch format {
	case "csv":
		next = csvRows(r)
	case "jsonl", "ndjson":
		next = jsonRows(r)
	default:
		return nil, core.Invalid("format", "must be csv or jsonl, not %q", format)
	}
	up := &Upload{ID: core.NewID("bup_", s.Store.Now())}
	err := s.Store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO broadcast_uploads (id, bot_id, created_at) VALUES ($1, $2, $3)`, up.ID, botID, tx.Now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	batch := make([]*row, 0, uploadBatch)
	for {
		rw, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		var bad *rowError
		if errors.As(err, &bad) {
			if len(up.Refused) < maxRefused {
				up.Refused = append(up.Refused, RowError{Line: bad.line, Reason: bad.reason})
			}
			continue
		}
		if err != nil {
			s.dropUpload(up.ID)
			return nil, err
		}
		if up.Rows == MaxUploadRows {
			s.dropUpload(up.ID)
			return nil, core.Invalid("upload", "has more than %d rows; split the list", MaxUploadRows)
		}
		up.Rows++
		if batch = append(batch, rw); len(batch) == uploadBatch {
			if err := s.writeRows(ctx, up.ID, batch); err != nil {
				s.dropUpload(up.ID)
				return nil, err
			}
			batch = batch[:0]
		}
	}
	if err := s.writeRows(ctx, up.ID, batch); err != nil {
		s.dropUpload(up.ID)
		return nil, err
	}
	refused, _ := json.Marshal(up.Refused)
	err = s.Store.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE broadcast_uploads SET rows = $2, refused = $3 WHERE id = $1`, up.ID, up.Rows, string(refused))
		return err
	})
	return up, err
}

// dropUpload removes a list that could not be read whole: half a list
// must not be sent to.
func (s *Service) dropUpload(id string) {
	_ = s.Store.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM broadcast_upload_rows WHERE upload_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM broadcast_uploads WHERE id = $1`, id)
		return err
	})
}

func (s *Service) writeRows(ctx context.Context, id string, batch []*row) error {
	if len(batch) == 0 {
		return nil
	}
	type stmt struct {
		sql  string
		args []any
	}
	var stmts []stmt
	for chunk := range slices.Chunk(batch, insertChunk) {
		var sb strings.Builder
		args := make([]any, 0, 5*len(chunk))
		sb.WriteString(`INSERT INTO broadcast_upload_rows (upload_id, line, way, value, params) VALUES `)
		for i, r := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
			params := ""
			if len(r.params) > 0 {
				params = mustJSON(r.params)
			}
			args = append(args, id, r.line, r.way, r.value, params)
		}
		stmts = append(stmts, stmt{sb.String(), args})
	}
	return s.Store.Write(ctx, func(tx *store.Tx) error {
		for _, st := range stmts {
			if _, err := tx.Exec(st.sql, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

type rowError struct {
	line   int
	reason string
}

func (e *rowError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }

var ways = []string{WayPSID, WayWaID, WayPhone, WayUsername, WayEmail}

// checkRow checks a row names its user in exactly one way, validly.
func checkRow(line int, named map[string]string, params map[string]string) (*row, error) {
	r := &row{line: line, params: params}
	for _, w := range ways {
		v := strings.TrimSpace(named[w])
		if v == "" {
			continue
		}
		if r.way != "" {
			return nil, &rowError{line, "names the user twice (" + r.way + " and " + w + "); give one of psid, wa_id, phone, username, email"}
		}
		r.way, r.value = w, v
	}
	if r.way == "" {
		return nil, &rowError{line, "names no user; give one of psid, wa_id, phone, username, email"}
	}
	if err := core.CheckID(r.way, r.value); err != nil {
		return nil, &rowError{line, core.AsError(err).Message}
	}
	if r.way == WayWaID || r.way == WayPhone {
		p := r.value
		if !strings.HasPrefix(p, "+") {
			p = "+" + p
		}
		normal, err := core.NormalizePhone(p, "", r.way)
		if err != nil {
			return nil, &rowError{line, core.AsError(err).Message}
		}
		r.value = normal
	}
	for k := range params {
		if err := core.ValidateParamName("params", k); err != nil {
			return nil, &rowError{line, core.AsError(err).Message}
		}
	}
	return r, nil
}

// csvRows reads CSV with a header naming its columns.
func csvRows(r io.Reader) func() (*row, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var header []string
	return func() (*row, error) {
		for {
			rec, err := cr.Read()
			line, _ := cr.FieldPos(0)
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				return nil, &rowError{perr.StartLine, perr.Err.Error()}
			}
			if err != nil {
				return nil, err
			}
			if header == nil {
				header = make([]string, len(rec))
				for i, h := range rec {
					header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
				}
				continue
			}
			if len(rec) != len(header) {
				return nil, &rowError{line, "has " + strconv.Itoa(len(rec)) + " fields; the header has " + strconv.Itoa(len(header))}
			}
			named, params := map[string]string{}, map[string]string{}
			for i, v := range rec {
				if isWay(header[i]) {
					named[header[i]] = v
				} else if v != "" {
					params[header[i]] = v
				}
			}
			return checkRow(line, named, params)
		}
	}
}

func isWay(col string) bool {
	for _, w := range ways {
		if w == col {
			return true
		}
	}
	return false
}

// jsonRows reads JSON Lines: one object per line, with the ListEntry's names.
func jsonRows(r io.Reader) func() (*row, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	return func() (*row, error) {
		for sc.Scan() {
			line++
			text := strings.TrimSpace(sc.Text())
			if text == "" {
				continue
			}
			var e ListEntry
			dec := json.NewDecoder(strings.NewReader(text))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				return nil, &rowError{line, "not a recipient object: " + err.Error()}
			}
			return checkRow(line, map[string]string{WayPSID: e.PSID, WayWaID: e.WaID, WayPhone: e.Phone, WayUsername: e.Username, WayEmail: e.Email}, e.Params)
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, core.Invalid("upload", "line %d is longer than 1 MiB", line+1)
			}
			return nil, err
		}
		return nil, io.EOF
	}
}

// uploadPage reads a stored list after the line cursor.
func (s *Service) uploadPage(ctx context.Context, channel, id, cursor string) ([]target, string, bool, error) {
	after, _ := strconv.ParseInt(cursor, 10, 64)
	rows, err := s.Store.Read(ctx, `SELECT line, way, value, params FROM broadcast_upload_rows WHERE upload_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
		id, after, pageSize)
	if err != nil {
		return nil, "", false, err
	}
	defer rows.Close()
	var ts []target
	for rows.Next() {
		var way, value, params string
		if err := rows.Scan(&after, &way, &value, &params); err != nil {
			return nil, "", false, err
		}
		var p map[string]string
		if params != "" {
			_ = json.Unmarshal([]byte(params), &p)
		}
		ts = append(ts, newTarget(channel, way, value, p))
	}
	return ts, strconv.FormatInt(after, 10), len(ts) < pageSize, rows.Err()
}
