package console

import (
	"net/http"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/store"
)

// requestFaces are the faces whose requests are recorded.
var requestFaces = []string{"bothub", "sobot", "whatsapp", "admin", "webhook"}

// requestList lists the last requests the faces received, refused ones
// included, so an integrator sees why a call failed.
func (c *Console) requestList(w http.ResponseWriter, r *http.Request) {
	f := filters(r, "bot", "face", "refused")
	p := pageOf(r)
	page, err := c.store.ListAPIRequests(r.Context(), store.APIRequestFilter{BotID: f["bot"], Face: f["face"],
		Refused: f["refused"] != "", Before: p.Cursor, Limit: p.Limit})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bots, err := c.botChoices(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "request_list.html", struct {
		Bots   []botChoice
		Faces  []string
		Filter map[string]string
		Page   store.APIRequestPage
		Kept   int
		MaxLen int
	}{bots, requestFaces, f, page, store.APIRequestsKept, api.MaxLoggedBody})
}

// requestShow shows one recorded request and the answer it got.
func (c *Console) requestShow(w http.ResponseWriter, r *http.Request) {
	req, err := c.store.GetAPIRequest(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "request_show.html", struct {
		R                 *store.APIRequest
		Request, Response string
	}{req, pretty([]byte(req.Request)), pretty([]byte(req.Response))})
}
