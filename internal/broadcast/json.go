package broadcast

import (
	"encoding/json"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// audienceJSON is Audience as the API writes it: wrote_within as a Go
// duration string ("168h").
type audienceJSON struct {
	List        []ListEntry `json:"list,omitempty"`
	Topic       string      `json:"topic,omitempty"`
	WindowOpen  bool        `json:"window_open,omitempty"`
	WroteWithin string      `json:"wrote_within,omitempty"`
	Filter      string      `json:"filter,omitempty"`
	Upload      string      `json:"upload,omitempty"`
}

// MarshalJSON writes wrote_within as "168h0m0s".
func (a Audience) MarshalJSON() ([]byte, error) {
	j := audienceJSON{List: a.List, Topic: a.Topic, WindowOpen: a.WindowOpen, Filter: a.Filter, Upload: a.Upload}
	if a.WroteWithin > 0 {
		j.WroteWithin = a.WroteWithin.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads wrote_within as a duration string ("168h").
func (a *Audience) UnmarshalJSON(b []byte) error {
	var j audienceJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = Audience{List: j.List, Topic: j.Topic, WindowOpen: j.WindowOpen, Filter: j.Filter, Upload: j.Upload}
	if j.WroteWithin != "" {
		d, err := time.ParseDuration(j.WroteWithin)
		if err != nil || d <= 0 {
			return core.Invalid("audience.wrote_within", "must be a positive duration such as \"168h\", not %q", j.WroteWithin)
		}
		a.WroteWithin = d
	}
	return nil
}
