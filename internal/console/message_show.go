package console

import (
	"html/template"
	"net/http"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/dispatch"
	"github.com/botgate/botgate/internal/queue"
)

// attemptView is one call to Graph: the body sent, as the phone shows it
// and as JSON, and Graph's answer.
type attemptView struct {
	Seq, StatusCode int
	At              time.Time
	Duration        time.Duration
	Outcome, Error  string
	GraphID         string
	Preview         template.HTML
	Request         string
	Response        string
}

type deliveryView struct {
	ID, Kind, URL, State, LastError string
	Attempts                        []deliveryAttemptView
	Body                            string
	CreatedAt                       time.Time
	DeliveredAt                     *time.Time
}

type deliveryAttemptView struct {
	N, StatusCode   int
	At              time.Time
	Duration        time.Duration
	Error           string
	RequestHeaders  []headerLine // what botgate sent
	ResponseHeaders []headerLine // what the receiver answered
	ResponseBody    string
}

type headerLine struct{ Name, Value string }

type messageShow struct {
	Message     *core.MessageRecord
	StatusClass string
	Recipient   string
	Summary     string
	Request     string
	Error       string
	Attempts    []attemptView
	Next        *queue.Pending // the send job, while the message is not final
	Events      []core.Event
	Deliveries  []deliveryView
}

// messageShow shows one message: the request, what the phone shows, every
// body sent to Graph with its answer, the history and the callbacks.
func (c *Console) messageShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m, err := c.store.GetMessage(ctx, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	data := messageShow{Message: m, StatusClass: statusClass(string(m.Status)), Recipient: recipient(m), Summary: summary(&m.Request),
		Request: prettyValue(m.Request)}
	if m.Error != nil {
		data.Error = m.Error.Message
	}
	attempts, err := c.store.Attempts(ctx, m.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	defs := c.templatesOf(ctx, m.BotID)
	for _, a := range attempts {
		data.Attempts = append(data.Attempts, attemptView{Seq: a.Seq, StatusCode: a.StatusCode, At: a.At, Duration: a.Duration,
			Outcome: a.Outcome, Error: a.Error, GraphID: a.GraphID, Preview: phone(m.Channel, a.Request, defs),
			Request: pretty(a.Request), Response: pretty(a.Response)})
	}
	if m.Status == core.StatusAccepted {
		if data.Next, err = queue.Find(ctx, c.store, dispatch.JobKind, m.ID); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if data.Events, err = c.store.Events(ctx, m); err != nil {
		c.fail(w, r, err)
		return
	}
	if data.Deliveries, err = c.deliveriesOf(r, m.ID); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "message_show.html", data)
}
