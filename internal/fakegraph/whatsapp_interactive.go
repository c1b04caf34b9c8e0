package fakegraph

// validateInteractive checks an interactive message with the Cloud API's
// limits: body ≤ 1024, header and footer text ≤ 60, reply buttons 1–3 with
// titles ≤ 20, lists of ≤ 10 sections and ≤ 10 rows in all.
func validateInteractive(m map[string]any) *GraphError {
	const at waPath = "interactive"
	kind, err := waEnum(m, at, "type", true, interactiveTypes)
	if err != nil {
		return err
	}
	if err := validateHeader(m); err != nil {
		return err
	}
	// A single product shows the product itself; every other kind needs a body.
	body, err := waObject(m, at, "body", kind != "product")
	if err != nil {
		return err
	}
	if body != nil {
		if _, _, err := waString(body, at.key("body"), "text", true, 1024); err != nil {
			return err
		}
	}
	footer, err := waObject(m, at, "footer", false)
	if err != nil {
		return err
	}
	if footer != nil {
		if _, _, err := waString(footer, at.key("footer"), "text", true, 60); err != nil {
			return err
		}
	}
	action, err := waObject(m, at, "action", true)
	if err != nil {
		return err
	}
	return validateAction(action, at.key("action"), kind)
}

func validateHeader(m map[string]any) *GraphError {
	header, err := waObject(m, "interactive", "header", false)
	if err != nil || header == nil {
		return err
	}
	const at waPath = "interactive['header']"
	kind, err := waEnum(header, at, "type", true, headerTypes)
	if err != nil {
		return err
	}
	if kind == "text" {
		_, _, err := waString(header, at, "text", true, 60)
		return err
	}
	return validateWAMedia(header, at, kind)
}

func validateAction(a map[string]any, at waPath, kind string) *GraphError {
	switch kind {
	case "button":
		return validateReplyButtons(a, at)
	case "list":
		return validateList(a, at)
	case "cta_url":
		if _, err := waEnum(a, at, "name", true, []string{"cta_url"}); err != nil {
			return err
		}
		params, err := waObject(a, at, "parameters", true)
		if err != nil {
			return err
		}
		if _, _, err := waString(params, at.key("parameters"), "display_text", true, 20); err != nil {
			return err
		}
		_, _, err = waString(params, at.key("parameters"), "url", true, 0)
		return err
	case "product", "product_list":
		id, err := waID(a, at, "catalog_id")
		if err != nil {
			return err
		}
		if id == "" {
			return waRequired(at.key("catalog_id"))
		}
		if kind == "product" {
			_, _, err = waString(a, at, "product_retailer_id", true, 0)
			return err
		}
		_, err = waArray(a, at, "sections", true, 1, 10)
		return err
	}
	// flow, catalog_message, location_request_message: named actions.
	_, _, err := waString(a, at, "name", true, 0)
	return err
}

func validateReplyButtons(a map[string]any, at waPath) *GraphError {
	buttons, err := waArray(a, at, "buttons", true, 1, 3)
	if err != nil {
		return err
	}
	for i, v := range buttons {
		bat := at.key("buttons").at(i)
		b, err := waAsObject(v, bat)
		if err != nil {
			return err
		}
		if _, err := waEnum(b, bat, "type", true, []string{"reply"}); err != nil {
			return err
		}
		reply, err := waObject(b, bat, "reply", true)
		if err != nil {
			return err
		}
		if _, _, err := waString(reply, bat.key("reply"), "id", true, 256); err != nil {
			return err
		}
		if _, _, err := waString(reply, bat.key("reply"), "title", true, 20); err != nil {
			return err
		}
	}
	return nil
}

func validateList(a map[string]any, at waPath) *GraphError {
	if _, _, err := waString(a, at, "button", true, 20); err != nil {
		return err
	}
	sections, err := waArray(a, at, "sections", true, 1, 10)
	if err != nil {
		return err
	}
	rows := 0
	for i, v := range sections {
		sat := at.key("sections").at(i)
		sec, err := waAsObject(v, sat)
		if err != nil {
			return err
		}
		// A title is needed only to tell several sections apart.
		if _, _, err := waString(sec, sat, "title", len(sections) > 1, 24); err != nil {
			return err
		}
		list, err := waArray(sec, sat, "rows", true, 1, 10)
		if err != nil {
			return err
		}
		for j, rv := range list {
			rat := sat.key("rows").at(j)
			row, err := waAsObject(rv, rat)
			if err != nil {
				return err
			}
			if _, _, err := waString(row, rat, "id", true, 200); err != nil {
				return err
			}
			if _, _, err := waString(row, rat, "title", true, 24); err != nil {
				return err
			}
			if _, _, err := waString(row, rat, "description", false, 72); err != nil {
				return err
			}
		}
		if rows += len(list); rows > 10 {
			return waInvalid("Param %s must have at most 10 rows in all sections.", at.key("sections"))
		}
	}
	return nil
}
