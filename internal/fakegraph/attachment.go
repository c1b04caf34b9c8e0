package fakegraph

import (
	"encoding/json"
	"net/http"
)

// serveUpload answers the Attachment Upload API: it pretends to fetch the
// asset and hands out an id the page can send later.
func (s *Server) serveUpload(c *call) reply {
	params, bodyErr := parseParams(c)
	if bodyErr == nil {
		bodyErr = validateUpload(params)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	pageID, err := s.pageForLocked(c.node, c.token)
	if err == nil {
		err = bodyErr
	}
	var rep reply
	if err != nil {
		rep = s.errorReplyLocked(*err, pageID)
	} else {
		body, _ := json.Marshal(map[string]string{"attachment_id": s.newAttachmentLocked(pageID)})
		rep = reply{status: http.StatusOK, body: body}
	}
	s.recordLocked(c, rep)
	return rep
}

func validateUpload(p map[string]any) *GraphError {
	message, err := getObject(p, "", "message", true)
	if err != nil {
		return err
	}
	attachment, err := getObject(message, "message", "attachment", true)
	if err != nil {
		return err
	}
	const path = "message[attachment]"
	if _, err := getEnum(attachment, path, "type", true, mediaTypes); err != nil {
		return err
	}
	payload, err := getObject(attachment, path, "payload", true)
	if err != nil {
		return err
	}
	url, err := getString(payload, path+"[payload]", "url", true, 0)
	if err != nil {
		return err
	}
	if tooLarge(url) {
		e := ErrTooLarge
		return &e
	}
	return nil
}

// newAttachmentLocked registers a fresh attachment id for the page; ids are
// page-scoped on Graph.
func (s *Server) newAttachmentLocked(pageID string) string {
	for {
		id := s.randomDigitsLocked(16)
		if _, taken := s.attachments[id]; !taken {
			s.attachments[id] = pageID
			return id
		}
	}
}
