package sobot

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
)

// decode reads a JSON object body into v. Unknown top-level fields are
// ignored, as Sobot's server ignores them; payloads are read strictly
// where they are used. An empty body is an empty object when emptyOK.
func (c *call) decode(v any, emptyOK bool) error {
	data, err := api.ReadBody(c.w, c.r)
	if err != nil {
		return err
	}
	if emptyOK && len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return api.DecodeJSON(data, v)
}

// id is a Sobot id field: a string, or a number where clients send page
// and user ids as numbers.
type id = core.FlexString

// either returns the first non-empty spelling of a field.
func either(values ...id) string {
	for _, v := range values {
		if s := strings.TrimSpace(string(v)); s != "" {
			return s
		}
	}
	return ""
}

// Pagination bounds. A page number or size of 0 means the default: Java
// clients send 0 for an int they did not set.
const (
	maxPageSize = 1000
	maxPageNo   = 1_000_000_000
)

type paging struct{ no, size int }

// parsePaging reads page_no and page_size (numbers, or their text).
func parsePaging(no, size id, defaultSize int) (paging, error) {
	p := paging{no: 1, size: defaultSize}
	n, err := optionalInt("page_no", no, maxPageNo)
	if err != nil {
		return p, err
	}
	s, err := optionalInt("page_size", size, maxPageSize)
	if err != nil {
		return p, err
	}
	if n > 0 {
		p.no = n
	}
	if s > 0 {
		p.size = s
	}
	return p, nil
}

func optionalInt(field string, v id, most int) (int, error) {
	s := strings.TrimSpace(string(v))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, core.Invalid(field, "must be a whole number, not %q", s)
	case n < 0:
		return 0, core.Invalid(field, "must be 1 or more, not %d", n)
	case n > most:
		return 0, core.Invalid(field, "must be at most %d, not %d", most, n)
	}
	return n, nil
}

func (p paging) offset() int { return (p.no - 1) * p.size }

// fields are the pagination members of an answer.
func (p paging) fields(total int) fields {
	return fields{"page_no": p.no, "page_size": p.size, "total_count": total, "page_count": (total + p.size - 1) / p.size}
}

// window returns the part of n items on this page, as [from, to).
func (p paging) window(n int) (int, int) {
	from := min(p.offset(), n)
	return from, min(from+p.size, n)
}

// optionalMillis reads a time in Unix milliseconds (a number or its text).
func optionalMillis(field string, v id) (*int64, error) {
	s := strings.TrimSpace(string(v))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return nil, core.Invalid(field, "is out of range")
		}
		return nil, core.Invalid(field, "must be a time in Unix milliseconds, not %q", s)
	}
	return &n, nil
}
