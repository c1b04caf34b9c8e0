package inbound

import (
	"encoding/json"
	"fmt"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// waReply is a tapped reply button or a picked list row.
type waReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// answer is what a WhatsApp reply chose: the id (or a template button's
// payload) and what the user saw.
func (m *waMessage) answer() (kind, id, title string, ok bool) {
	switch {
	case m.Type == "interactive" && m.Interactive.ButtonReply != nil:
		return "button_reply", m.Interactive.ButtonReply.ID, m.Interactive.ButtonReply.Title, true
	case m.Type == "interactive" && m.Interactive.ListReply != nil:
		return "list_reply", m.Interactive.ListReply.ID, m.Interactive.ListReply.Title, true
	case m.Type == "button" && m.Button != nil:
		return "button", m.Button.Payload, m.Button.Text, true
	}
	return "", "", "", false
}

// applyReply records a reply on the message it answers and, when its id
// names a block (BOTGATE_BLOCK:name, as Messenger's block buttons), queues
// that block's reply.
func applyReply(tx *store.Tx, b *core.Bot, m *waMessage) error {
	kind, id, title, ok := m.answer()
	if !ok {
		return nil
	}
	if m.Context.ID != "" {
		detail := fmt.Sprintf("the user answered with %s %q (id %q) in message %s", kind, title, id, m.ID)
		if err := tx.NoteReply(b.ID, m.Context.ID, detail); err != nil {
			return err
		}
	}
	block, named := core.BlockFromPayload(id)
	if !named {
		return nil
	}
	ref, err := json.Marshal(reply{Bot: b.ID, PSID: core.WAContact(m.From), Block: block, Tap: "wa:" + m.ID, WhatsApp: true})
	if err != nil {
		return err
	}
	return queue.Enqueue(tx, ReplyJobKind, string(ref), 10, tx.Now())
}
