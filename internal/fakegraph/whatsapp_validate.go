package fakegraph

import (
	"strings"
)

// waRequest is what validation learned about a valid WhatsApp send.
type waRequest struct {
	to   string // as given, echoed in contacts[0].input
	waID string // its digits
	kind string // the message type, "text" when the body names none
}

var (
	waTypes = []string{"text", "image", "video", "document", "audio", "sticker",
		"location", "contacts", "interactive", "template", "reaction"}
	waMediaTypes     = []string{"image", "video", "document", "audio", "sticker"}
	interactiveTypes = []string{"button", "list", "cta_url", "product", "product_list",
		"catalog_message", "flow", "location_request_message"}
	headerTypes = []string{"text", "image", "video", "document"}
)

// validateWhatsApp checks a Cloud API send body and returns the first
// problem, in the order of the body's fields.
func validateWhatsApp(p map[string]any) (waRequest, *GraphError) {
	var req waRequest
	if _, err := waEnum(p, "", "messaging_product", true, []string{"whatsapp"}); err != nil {
		return req, err
	}
	if _, err := waEnum(p, "", "recipient_type", false, []string{"individual"}); err != nil {
		return req, err
	}
	to, _, err := waString(p, "", "to", true, 0)
	if err != nil {
		return req, err
	}
	if !validPhone(to) {
		return req, waInvalid("Param to must be a phone number of up to 15 digits with an optional leading +.")
	}
	req.to, req.waID = to, strings.TrimPrefix(to, "+")
	// The Cloud API reference: type is optional and defaults to text.
	if req.kind, _, err = waString(p, "", "type", false, 0); err != nil {
		return req, err
	}
	if req.kind == "" {
		req.kind = "text"
	}
	if !oneOf(req.kind, waTypes) {
		return req, waUnsupportedType(req.kind)
	}
	if err := validateContext(p); err != nil {
		return req, err
	}
	return req, validateWABody(p, req.kind)
}

// validPhone accepts what the Cloud API takes for "to": digits with an
// optional leading +, at most E.164's 15.
func validPhone(to string) bool {
	d := strings.TrimPrefix(to, "+")
	return len(d) <= 15 && allDigits(d)
}

// validateContext checks the optional reply-to: context{message_id}.
func validateContext(p map[string]any) *GraphError {
	ctx, err := waObject(p, "", "context", false)
	if err != nil || ctx == nil {
		return err
	}
	_, _, err = waString(ctx, "context", "message_id", true, 0)
	return err
}

// validateWABody checks the object named by the message type.
func validateWABody(p map[string]any, kind string) *GraphError {
	if oneOf(kind, waMediaTypes) {
		return validateWAMedia(p, "", kind)
	}
	if kind == "contacts" { // the one type whose object is an array
		return validateContacts(p)
	}
	m, err := waObject(p, "", kind, true)
	if err != nil {
		return err
	}
	at := waPath(kind)
	switch kind {
	case "text":
		if _, _, err := waString(m, at, "body", true, 4096); err != nil {
			return err
		}
		return waBool(m, at, "preview_url")
	case "location":
		if err := waFloat(m, at, "latitude", -90, 90); err != nil {
			return err
		}
		if err := waFloat(m, at, "longitude", -180, 180); err != nil {
			return err
		}
		if _, _, err := waString(m, at, "name", false, 0); err != nil {
			return err
		}
		_, _, err := waString(m, at, "address", false, 0)
		return err
	case "interactive":
		return validateInteractive(m)
	case "template":
		return validateWATemplate(m)
	}
	// reaction: an empty emoji removes the reaction, so it only has to be there.
	if _, _, err := waString(m, at, "message_id", true, 0); err != nil {
		return err
	}
	if _, ok := m["emoji"]; !ok {
		return waRequired(at.key("emoji"))
	}
	_, _, err = waString(m, at, "emoji", false, 0)
	return err
}

// validateWAMedia checks parent[kind], a media object: exactly one of id or
// link, a caption only where WhatsApp shows one, a filename only on documents.
func validateWAMedia(parent map[string]any, parentPath waPath, kind string) *GraphError {
	m, err := waObject(parent, parentPath, kind, true)
	if err != nil {
		return err
	}
	at := parentPath.key(kind)
	id, err := waID(m, at, "id")
	if err != nil {
		return err
	}
	link, _, err := waString(m, at, "link", false, 0)
	if err != nil {
		return err
	}
	switch {
	case id == "" && link == "":
		return waInvalid("Param %s must contain either id or link.", at)
	case id != "" && link != "":
		return waInvalid("Param %s must contain either id or link, not both.", at)
	case link != "" && !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://"):
		return waInvalid("Param %s must be an http or https URL.", at.key("link"))
	}
	if _, ok := m["caption"]; ok && (kind == "audio" || kind == "sticker") {
		return waInvalid("Param %s is not allowed for %s messages.", at.key("caption"), kind)
	}
	if _, _, err := waString(m, at, "caption", false, 1024); err != nil {
		return err
	}
	if _, ok := m["filename"]; ok && kind != "document" {
		return waInvalid("Param %s is only allowed for document messages.", at.key("filename"))
	}
	_, _, err = waString(m, at, "filename", false, 0)
	return err
}

func validateContacts(p map[string]any) *GraphError {
	list, err := waArray(p, "", "contacts", true, 1, 0)
	if err != nil {
		return err
	}
	for i, v := range list {
		at := waPath("contacts").at(i)
		c, err := waAsObject(v, at)
		if err != nil {
			return err
		}
		name, err := waObject(c, at, "name", true)
		if err != nil {
			return err
		}
		if _, _, err := waString(name, at.key("name"), "formatted_name", true, 0); err != nil {
			return err
		}
	}
	return nil
}

func validateWATemplate(m map[string]any) *GraphError {
	const at waPath = "template"
	if _, _, err := waString(m, at, "name", true, 512); err != nil {
		return err
	}
	lang, err := waObject(m, at, "language", true)
	if err != nil {
		return err
	}
	if _, _, err := waString(lang, at.key("language"), "code", true, 0); err != nil {
		return err
	}
	components, err := waArray(m, at, "components", false, 0, 0)
	if err != nil {
		return err
	}
	for i, v := range components {
		c, err := waAsObject(v, at.key("components").at(i))
		if err != nil {
			return err
		}
		if _, _, err := waString(c, at.key("components").at(i), "type", true, 0); err != nil {
			return err
		}
	}
	return nil
}
