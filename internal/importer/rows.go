package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

// MaxLine bounds one line of JSON Lines or one CSV record, so one row never
// holds more than this in memory.
const MaxLine = 1 << 20

// A source yields a file's rows one at a time. A row it cannot read is a
// refusal (the import goes on); an error ends the import.
type source interface {
	next() (line int, row core.ImportRow, refusal, err error)
}

// jsonLines reads one JSON object per line; blank lines are skipped.
type jsonLines struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

func newJSONLines(r io.Reader) *jsonLines { return &jsonLines{r: bufio.NewReaderSize(r, 64<<10)} }

func (j *jsonLines) next() (int, core.ImportRow, error, error) {
	for {
		j.line++
		data, long, err := j.readLine()
		if err != nil {
			return j.line, nil, nil, err
		}
		if long {
			return j.line, nil, core.Errorf(core.KindTooLarge, "the line is longer than %d bytes", MaxLine), nil
		}
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		row, refusal := jsonRow(data)
		return j.line, row, refusal, nil
	}
}

// readLine returns the next line without its end; a line longer than
// MaxLine is skipped and reported long. io.EOF only when nothing is left.
func (j *jsonLines) readLine() ([]byte, bool, error) {
	j.buf = j.buf[:0]
	long := false
	for {
		chunk, err := j.r.ReadSlice('\n')
		if !long {
			if len(j.buf)+len(chunk) > MaxLine+2 {
				long, j.buf = true, j.buf[:0]
			} else {
				j.buf = append(j.buf, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(j.buf) == 0 && !long:
			return nil, false, io.EOF
		case err != nil && !errors.Is(err, io.EOF):
			return nil, false, err
		}
		return bytes.TrimRight(j.buf, "\r\n"), long, nil
	}
}

// jsonRow reads a line's object. Strings are taken as they are, numbers
// and true/false as written, arrays and objects (a block's cards) as JSON
// text; null is an absent field. A repeated key is refused: which of the
// two was meant is unknown.
func jsonRow(data []byte) (core.ImportRow, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	bad := func(format string, args ...any) (core.ImportRow, error) {
		return nil, core.Errorf(core.KindInvalid, "malformed JSON: "+format, args...)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return bad("each line must be one JSON object")
	}
	row := core.ImportRow{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad("%v", err)
		}
		key := tok.(string)
		if seen[key] {
			return nil, core.Invalid(key, "appears twice in the object")
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return bad("%v", err)
		}
		switch raw[0] {
		case 'n':
			continue
		case '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return bad("%v", err)
			}
			row[key] = s
		default:
			row[key] = string(raw)
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad("%v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bad("unexpected data after the object")
	}
	return row, nil
}

// csvRows reads RFC 4180 CSV whose first record names the fields.
type csvRows struct {
	r      *csv.Reader
	header []string
	count  *countingReader
}

func newCSV(in io.Reader, kind string) (*csvRows, error) {
	count := &countingReader{r: in}
	r := csv.NewReader(count)
	r.FieldsPerRecord = -1 // a short or long row is refused, not the file
	r.ReuseRecord = true
	count.mark = r.InputOffset
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, core.Invalid("file", "is empty: a CSV file starts with a header naming its fields")
	}
	if err != nil {
		return nil, core.Invalid("header", "line 1: %v", err)
	}
	header = slices.Clone(header)
	header[0] = strings.TrimPrefix(header[0], "\uFEFF") // a spreadsheet's byte order mark
	for i, h := range header {
		if slices.Index(header, h) != i {
			return nil, core.Invalid(h, "is in the header twice")
		}
	}
	if err := core.CheckImportFields(kind, header); err != nil {
		e := core.AsError(err)
		e.Message = "header: " + e.Message
		return nil, e
	}
	return &csvRows{r: r, header: header, count: count}, nil
}

func (c *csvRows) next() (int, core.ImportRow, error, error) {
	rec, err := c.r.Read()
	var parse *csv.ParseError
	switch {
	case errors.Is(err, errLineTooLong):
		return 0, nil, nil, core.Errorf(core.KindTooLarge, "a CSV record is longer than %d bytes; the import stopped there", MaxLine)
	case errors.As(err, &parse):
		return parse.StartLine, nil, core.Errorf(core.KindInvalid, "malformed CSV: %v", parse.Err), nil
	case err != nil:
		return 0, nil, nil, err
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != len(c.header) {
		return line, nil, core.Errorf(core.KindInvalid, "has %d fields; the header names %d", len(rec), len(c.header)), nil
	}
	row := make(core.ImportRow, len(rec))
	for i, v := range rec {
		if v != "" {
			row[c.header[i]] = v
		}
	}
	return line, row, nil, nil
}

var errLineTooLong = errors.New("record too long")

// countingReader fails once more than MaxLine bytes were read past the
// start of the record being read (mark), which encoding/csv cannot bound.
type countingReader struct {
	r    io.Reader
	n    int64
	mark func() int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.mark != nil && c.n-c.mark() > MaxLine+64<<10 {
		return 0, errLineTooLong
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
