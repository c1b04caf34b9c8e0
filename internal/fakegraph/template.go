package fakegraph

var (
	templateTypes      = []string{"generic", "button", "media", "receipt", "notification_messages"}
	buttonTypes        = []string{"web_url", "postback", "phone_number", "account_link", "account_unlink"}
	genericAspects     = []string{"horizontal", "square"}
	mediaTemplateTypes = []string{"image", "video"}
	frequencies        = []string{"DAILY", "WEEKLY", "MONTHLY"}
	reoptins           = []string{"ENABLED", "DISABLED"}
	ctaTexts           = []string{"ALLOW", "GET", "GET_UPDATES", "OPT_IN", "SIGN_UP"}
	notificationAspect = []string{"SQUARE", "HORIZONTAL"}
)

// validateTemplate checks an attachment payload of type template; path is
// "message[attachment][payload]".
func validateTemplate(p map[string]any, path string, req *sendRequest, titleMax int) *GraphError {
	kind, err := getEnum(p, path, "template_type", true, templateTypes)
	if err != nil {
		return err
	}
	switch kind {
	case "generic":
		return validateGeneric(p, path)
	case "button":
		if _, err := getString(p, path, "text", true, 640); err != nil {
			return err
		}
		return validateButtons(p, path, true, 1, 3)
	case "media":
		return validateMediaTemplate(p, path, req)
	case "receipt":
		return validateReceipt(p, path)
	}
	return validateNotificationRequest(p, path, titleMax)
}

func validateGeneric(p map[string]any, path string) *GraphError {
	if _, err := getEnum(p, path, "image_aspect_ratio", false, genericAspects); err != nil {
		return err
	}
	elements, err := getArray(p, path, "elements", true, 1, 10)
	if err != nil {
		return err
	}
	for i, v := range elements {
		at := index(param(path, "elements"), i)
		e, err := asObject(v, at)
		if err != nil {
			return err
		}
		if _, err := getString(e, at, "title", true, 80); err != nil {
			return err
		}
		if _, err := getString(e, at, "subtitle", false, 80); err != nil {
			return err
		}
		if _, err := getString(e, at, "image_url", false, 0); err != nil {
			return err
		}
		if err := validateDefaultAction(e, at); err != nil {
			return err
		}
		if err := validateButtons(e, at, false, 0, 3); err != nil {
			return err
		}
	}
	return nil
}

// validateDefaultAction checks the tap target of a generic element, which
// is a URL button without a title.
func validateDefaultAction(e map[string]any, path string) *GraphError {
	action, err := getObject(e, path, "default_action", false)
	if err != nil || action == nil {
		return err
	}
	at := param(path, "default_action")
	if _, err := getEnum(action, at, "type", true, []string{"web_url"}); err != nil {
		return err
	}
	_, err = getString(action, at, "url", true, 0)
	return err
}

func validateMediaTemplate(p map[string]any, path string, req *sendRequest) *GraphError {
	elements, err := getArray(p, path, "elements", true, 1, 1)
	if err != nil {
		return err
	}
	at := index(param(path, "elements"), 0)
	e, err := asObject(elements[0], at)
	if err != nil {
		return err
	}
	if _, err := getEnum(e, at, "media_type", true, mediaTemplateTypes); err != nil {
		return err
	}
	if _, err := validateMedia(e, at, req); err != nil {
		return err
	}
	return validateButtons(e, at, false, 0, 1)
}

func validateReceipt(p map[string]any, path string) *GraphError {
	for _, key := range []string{"recipient_name", "order_number", "currency", "payment_method"} {
		if _, err := getString(p, path, key, true, 0); err != nil {
			return err
		}
	}
	summary, err := getObject(p, path, "summary", true)
	if err != nil {
		return err
	}
	return getNumber(summary, param(path, "summary"), "total_cost")
}

// validateNotificationRequest checks the opt-in request for marketing
// (notification) messages.
func validateNotificationRequest(p map[string]any, path string, titleMax int) *GraphError {
	if _, err := getString(p, path, "title", true, titleMax); err != nil {
		return err
	}
	if _, err := getString(p, path, "payload", true, 0); err != nil {
		return err
	}
	if _, err := getString(p, path, "image_url", false, 0); err != nil {
		return err
	}
	if _, err := getString(p, path, "notification_messages_timezone", false, 0); err != nil {
		return err
	}
	enums := []struct {
		key     string
		allowed []string
	}{
		{"notification_messages_frequency", frequencies},
		{"notification_messages_reoptin", reoptins},
		{"notification_messages_cta_text", ctaTexts},
		{"image_aspect_ratio", notificationAspect},
	}
	for _, e := range enums {
		if _, err := getEnum(p, path, e.key, false, e.allowed); err != nil {
			return err
		}
	}
	return nil
}

// validateButtons checks the buttons array of m, of min to max buttons.
func validateButtons(m map[string]any, path string, need bool, min, max int) *GraphError {
	buttons, err := getArray(m, path, "buttons", need, min, max)
	if err != nil {
		return err
	}
	for i, v := range buttons {
		at := index(param(path, "buttons"), i)
		b, err := asObject(v, at)
		if err != nil {
			return err
		}
		if err := validateButton(b, at); err != nil {
			return err
		}
	}
	return nil
}

func validateButton(b map[string]any, path string) *GraphError {
	kind, err := getEnum(b, path, "type", true, buttonTypes)
	if err != nil {
		return err
	}
	switch kind {
	case "account_link":
		_, err := getString(b, path, "url", true, 0)
		return err
	case "account_unlink":
		return nil
	}
	if _, err := getString(b, path, "title", true, 20); err != nil {
		return err
	}
	switch kind {
	case "web_url":
		_, err = getString(b, path, "url", true, 0)
	case "postback":
		_, err = getString(b, path, "payload", true, 1000)
	case "phone_number":
		var number string
		number, err = getString(b, path, "payload", true, 0)
		if err == nil && number[0] != '+' {
			err = invalid("Param %s must be a phone number starting with +", param(path, "payload"))
		}
	}
	return err
}
