package fakegraph

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
)

// serveSend answers a Messenger Send API call. The checks run in Graph's
// order: token, body, then the injected failures and per-recipient rules.
func (s *Server) serveSend(c *call) reply {
	params, bodyErr := parseParams(c)
	var req sendRequest
	if bodyErr == nil {
		req, bodyErr = validateSend(params, s.titleMax)
	}
	recipient, _ := params["recipient"].(map[string]any)

	s.mu.Lock()
	defer s.mu.Unlock()
	send := Send{Token: c.token, Body: c.body, Parsed: params, Recipient: recipient, CallerGone: c.req.Context().Err() != nil}
	var err *GraphError
	send.PageID, err = s.pageForLocked(c.node, c.token)
	if err == nil {
		err = bodyErr
	}
	if err == nil {
		err = s.checkAttachmentsLocked(send.PageID, req.attachmentIDs)
	}
	if err == nil {
		err = s.sendRuleLocked(send.PageID, &req)
	}
	var rep reply
	if err != nil {
		send.Err = err
		rep = s.errorReplyLocked(*err, send.PageID)
	} else {
		send.MessageID, rep = s.sendSuccessLocked(send.PageID, &req)
	}
	send.Status = rep.status
	send.Seq = s.recordLocked(c, rep)
	s.recordSendLocked(send)
	return rep
}

// checkAttachmentsLocked rejects attachment ids never uploaded for the page.
func (s *Server) checkAttachmentsLocked(pageID string, ids []string) *GraphError {
	for _, id := range ids {
		if s.attachments[id] != pageID {
			return invalid("Param attachment_id: %s is not a valid attachment id for this page", id)
		}
	}
	return nil
}

type sendAnswer struct {
	RecipientID  string `json:"recipient_id,omitempty"`
	MessageID    string `json:"message_id,omitempty"`
	AttachmentID string `json:"attachment_id,omitempty"`
}

// sendSuccessLocked builds the answer of an accepted send. Graph names the
// recipient only when it is a PSID the page already knows of, or the PSID it
// resolved a comment or post to.
func (s *Server) sendSuccessLocked(pageID string, req *sendRequest) (messageID string, rep reply) {
	var answer sendAnswer
	switch req.recipientField {
	case "id":
		answer.RecipientID = req.recipientValue
	case "comment_id", "post_id":
		answer.RecipientID = commenterPSID(req.recipientValue)
	}
	if req.senderAction == "" {
		answer.MessageID = "m_" + s.randomStringLocked(40)
	}
	if req.reusableURL {
		answer.AttachmentID = s.newAttachmentLocked(pageID)
	}
	body, _ := json.Marshal(answer)
	return answer.MessageID, reply{status: 200, body: body}
}

// commenterPSID stands for the PSID Graph resolves a private reply to: the
// same comment always gives the same made-up user.
func commenterPSID(commentID string) string {
	h := fnv.New64a()
	h.Write([]byte(commentID))
	return strconv.FormatUint(1e15+h.Sum64()%9e15, 10)
}
