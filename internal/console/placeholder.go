package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

var errNotFound = core.Errorf(core.KindNotFound, "there is no such page")

// placeholder stands in for a page another change will bring.
func (c *Console) placeholder(title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, http.StatusOK, "placeholder.html", title)
	}
}
