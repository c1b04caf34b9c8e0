package fakegraph

import (
	"strings"
)

// sendRequest is what validation learned about a valid send, for the rules
// and the answer.
type sendRequest struct {
	recipientField string // which recipient field was used: "id", "phone_number", …
	recipientValue string
	messagingType  string
	tag            string
	senderAction   string
	attachmentIDs  []string // referenced ids, checked against uploads later
	reusableURL    bool     // media by URL with is_reusable: Graph answers an attachment_id
}

var (
	recipientFields = []string{"id", "user_ref", "phone_number", "notification_messages_token", "comment_id", "post_id"}
	messagingTypes  = []string{"RESPONSE", "UPDATE", "MESSAGE_TAG"}
	currentTags     = []string{"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT"}
	retiredTags     = []string{"BUSINESS_PRODUCTIVITY", "COMMUNITY_ALERT", "CONFIRMED_EVENT_REMINDER",
		"NON_PROMOTIONAL_SUBSCRIPTION", "PAIRING_UPDATE", "APPLICATION_UPDATE", "PAYMENT_UPDATE",
		"PERSONAL_FINANCE_UPDATE", "SHIPPING_UPDATE", "RESERVATION_UPDATE", "ISSUE_RESOLUTION",
		"APPOINTMENT_UPDATE", "GAME_EVENT", "TRANSPORTATION_UPDATE", "FEATURE_FUNCTIONALITY_UPDATE", "TICKET_UPDATE"}
	senderActions     = []string{"typing_on", "typing_off", "mark_seen"}
	notificationTypes = []string{"REGULAR", "SILENT_PUSH", "NO_PUSH"}
	attachmentTypes   = []string{"image", "audio", "video", "file", "template"}
	mediaTypes        = []string{"image", "audio", "video", "file"}
	quickReplyTypes   = []string{"text", "user_phone_number", "user_email"}
)

// validateSend checks a Messenger send body the way the Send API does and
// returns the first problem found.
func validateSend(p map[string]any, titleMax int) (sendRequest, *GraphError) {
	var req sendRequest
	recipient, err := getObject(p, "", "recipient", true)
	if err != nil {
		return req, err
	}
	if req.recipientField, req.recipientValue, err = validateRecipient(recipient); err != nil {
		return req, err
	}
	if req.senderAction, err = getEnum(p, "", "sender_action", false, senderActions); err != nil {
		return req, err
	}
	_, hasMessage := p["message"]
	switch {
	case hasMessage && req.senderAction != "":
		return req, invalid("Params message and sender_action cannot be sent together")
	case !hasMessage && req.senderAction == "":
		return req, invalid("One of the parameters message or sender_action is required")
	}
	needType := req.senderAction == "" && req.recipientField != "notification_messages_token"
	if req.messagingType, err = getEnum(p, "", "messaging_type", needType, messagingTypes); err != nil {
		return req, err
	}
	if req.tag, err = validateTag(p, req.messagingType == "MESSAGE_TAG"); err != nil {
		return req, err
	}
	if _, err = getEnum(p, "", "notification_type", false, notificationTypes); err != nil {
		return req, err
	}
	if req.senderAction != "" {
		if req.recipientField != "id" {
			return req, invalid("Param recipient[id] is required with sender_action")
		}
		return req, nil
	}
	message, err := getObject(p, "", "message", true)
	if err != nil {
		return req, err
	}
	return req, validateMessage(message, &req, titleMax)
}

// validateRecipient requires exactly one way of naming the recipient.
func validateRecipient(r map[string]any) (field, value string, err *GraphError) {
	var present []string
	for _, f := range recipientFields {
		v, err := getID(r, "recipient", f)
		if err != nil {
			return "", "", err
		}
		if v != "" {
			field, value = f, v
			present = append(present, f)
		}
	}
	switch {
	case len(present) == 0:
		return "", "", invalid("Param recipient must contain one of {%s}", strings.Join(recipientFields, ", "))
	case len(present) > 1:
		return "", "", invalid("Param recipient must contain only one of {%s} - got %s",
			strings.Join(recipientFields, ", "), strings.Join(present, " and "))
	}
	if _, err := getObject(r, "recipient", "name", false); err != nil {
		return "", "", err
	}
	if _, ok := r["name"]; ok && field != "phone_number" {
		return "", "", invalid("Param recipient[name] is only allowed with recipient[phone_number]")
	}
	return field, value, nil
}

// validateTag checks the tag whenever one is sent, so that a retired tag is
// reported by name even with another messaging_type.
func validateTag(p map[string]any, need bool) (string, *GraphError) {
	tag, err := getString(p, "", "tag", false, 0)
	if err != nil {
		return "", err
	}
	if tag == "" {
		if need {
			return "", invalid("Param tag is required when messaging_type is MESSAGE_TAG")
		}
		return "", nil
	}
	for _, t := range retiredTags {
		if tag == t {
			return "", invalid("Param tag: the tag %s was retired on 2020-03-04; use one of {%s}",
				tag, strings.Join(currentTags, ", "))
		}
	}
	return getEnum(p, "", "tag", true, currentTags)
}

func validateMessage(m map[string]any, req *sendRequest, titleMax int) *GraphError {
	text, err := getString(m, "message", "text", false, 2000)
	if err != nil {
		return err
	}
	attachment, err := getObject(m, "message", "attachment", false)
	if err != nil {
		return err
	}
	switch {
	case text == "" && attachment == nil:
		return invalid("Message cannot be empty, must provide valid attachment or text")
	case text != "" && attachment != nil:
		return invalid("Param message must contain text or attachment, not both")
	}
	if err := validateQuickReplies(m); err != nil {
		return err
	}
	if _, err := getString(m, "message", "metadata", false, 1000); err != nil {
		return err
	}
	if attachment != nil {
		return validateAttachment(attachment, req, titleMax)
	}
	return nil
}

func validateQuickReplies(m map[string]any) *GraphError {
	const path = "message[quick_replies]"
	replies, err := getArray(m, "message", "quick_replies", false, 0, 13)
	if err != nil {
		return err
	}
	for i, v := range replies {
		at := index(path, i)
		qr, err := asObject(v, at)
		if err != nil {
			return err
		}
		kind, err := getEnum(qr, at, "content_type", true, quickReplyTypes)
		if err != nil {
			return err
		}
		isText := kind == "text"
		if _, err := getString(qr, at, "title", isText, 20); err != nil {
			return err
		}
		if _, err := getString(qr, at, "payload", isText, 1000); err != nil {
			return err
		}
		if _, err := getString(qr, at, "image_url", false, 0); err != nil {
			return err
		}
	}
	return nil
}

func validateAttachment(a map[string]any, req *sendRequest, titleMax int) *GraphError {
	const path = "message[attachment]"
	kind, err := getEnum(a, path, "type", true, attachmentTypes)
	if err != nil {
		return err
	}
	payload, err := getObject(a, path, "payload", true)
	if err != nil {
		return err
	}
	if kind == "template" {
		return validateTemplate(payload, path+"[payload]", req, titleMax)
	}
	url, err := validateMedia(payload, path+"[payload]", req)
	if err != nil {
		return err
	}
	req.reusableURL = url != "" && isTrue(payload["is_reusable"])
	return nil
}

// validateMedia checks a payload that names media by url or attachment_id.
func validateMedia(m map[string]any, path string, req *sendRequest) (url string, err *GraphError) {
	if url, err = getString(m, path, "url", false, 0); err != nil {
		return "", err
	}
	id, err := getID(m, path, "attachment_id")
	if err != nil {
		return "", err
	}
	switch {
	case url == "" && id == "":
		return "", invalid("Param %s must contain url or attachment_id", path)
	case url != "" && id != "":
		return "", invalid("Param %s must contain url or attachment_id, not both", path)
	case id != "":
		req.attachmentIDs = append(req.attachmentIDs, id)
	case tooLarge(url):
		e := ErrTooLarge
		return "", &e
	}
	return url, nil
}

// tooLarge stands for Graph failing to fetch an asset over 25 MB: the fake
// cannot fetch anything, so tests name such assets in the URL.
func tooLarge(url string) bool {
	return strings.Contains(url, "too-large")
}
