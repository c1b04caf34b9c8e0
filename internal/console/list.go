package console

import (
	"net/http"
	"strconv"
)

// Cursor pagination: a list page reads ?cursor= (the last item of the
// previous page, opaque to the viewer) and ?limit=, asks the store for
// limit+1 items after the cursor, and shows a "Next" link when the extra
// item came back.

// pageSize is the default number of rows on a list page; maxPageSize bounds ?limit=.
const (
	pageSize    = 50
	maxPageSize = 200
)

// listPage is the cursor and limit a list page was asked for.
type listPage struct {
	Cursor string
	Limit  int
}

func pageOf(r *http.Request) listPage {
	p := listPage{Cursor: r.URL.Query().Get("cursor"), Limit: pageSize}
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		p.Limit = min(n, maxPageSize)
	}
	return p
}

// trim cuts a store answer of up to Limit+1 items to Limit and returns the
// cursor of the next page ("" on the last page), computed by key from the
// last item shown.
func trim[T any](p listPage, items []T, key func(T) string) ([]T, string) {
	if len(items) <= p.Limit {
		return items, ""
	}
	items = items[:p.Limit]
	return items, key(items[len(items)-1])
}

// filters reads the named filters from the URL (absent ones are "").
func filters(r *http.Request, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = r.URL.Query().Get(n)
	}
	return out
}
