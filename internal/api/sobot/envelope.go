package sobot

import (
	"net/http"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/logs"
)

// Success messages, as the seed's samples word them.
const (
	codeOK  = "000000"
	okToken = "操作成功" // get_token's
	ok      = "成功"   // every other call's
)

// fields are an answer's members besides ret_code and ret_msg. The envelope
// is a map so its keys come out in alphabetical order, as in every sample
// of the seed (its server sorts them).
type fields map[string]any

// writeOK answers HTTP 200 with ret_code 000000.
func writeOK(w http.ResponseWriter, msg string, out fields) {
	body := fields{"ret_code": codeOK, "ret_msg": msg}
	for k, v := range out {
		body[k] = v
	}
	api.WriteJSON(w, http.StatusOK, body)
}

// errorBody is the envelope of a failure. Upstream is botgate's addition:
// Graph's own error, verbatim, when Facebook refused a call.
type errorBody struct {
	RetCode  string              `json:"ret_code"`
	RetMsg   string              `json:"ret_msg"`
	Upstream *core.UpstreamError `json:"upstream,omitempty"`
}

func newErrorBody(err error) errorBody {
	e := core.AsError(err)
	return errorBody{RetCode: code(e), RetMsg: e.Message, Upstream: e.Upstream}
}

// writeError answers HTTP 200 with the error's code: Sobot's clients read
// ret_code, and some HTTP clients throw on other statuses before the body
// can be read. Only botgate's own failures are logged.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	logs.SetError(r.Context(), string(core.ErrorKind(err)))
	if core.ErrorKind(err) == core.KindInternal {
		logs.From(r.Context(), h.Log).Error("sobot: request failed", "route", r.Pattern, "err", err)
	}
	api.WriteJSON(w, http.StatusOK, newErrorBody(err))
}
