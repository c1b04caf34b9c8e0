package core

import "slices"

// Messaging types Graph accepts.
const (
	TypeResponse   = "RESPONSE"
	TypeUpdate     = "UPDATE"
	TypeMessageTag = "MESSAGE_TAG"
)

// Message tags Graph accepts today.
const (
	TagAccountUpdate        = "ACCOUNT_UPDATE"
	TagConfirmedEventUpdate = "CONFIRMED_EVENT_UPDATE"
	TagPostPurchaseUpdate   = "POST_PURCHASE_UPDATE"
	TagHumanAgent           = "HUMAN_AGENT"
)

// CurrentTags are the tags Graph accepts today.
var CurrentTags = []string{TagAccountUpdate, TagConfirmedEventUpdate, TagPostPurchaseUpdate, TagHumanAgent}

// LegacyTags maps the tags Facebook retired on 2020-03-04 to today's tag that
// covers the same use, or to "" where no current tag does. Meta published no
// mapping; this is our policy (docs/bothub.md explains each row). Tags without
// an equivalent are refused even when the bot maps legacy tags, because sending
// them under another tag would break Messenger's policy on the merchant's page.
var LegacyTags = map[string]string{
	"APPLICATION_UPDATE":           TagAccountUpdate,
	"ISSUE_RESOLUTION":             TagAccountUpdate,
	"PERSONAL_FINANCE_UPDATE":      TagAccountUpdate,
	"PAIRING_UPDATE":               TagAccountUpdate,
	"NON_PROMOTIONAL_SUBSCRIPTION": TagAccountUpdate,
	"PAYMENT_UPDATE":               TagPostPurchaseUpdate,
	"RESERVATION_UPDATE":           TagPostPurchaseUpdate,
	"SHIPPING_UPDATE":              TagPostPurchaseUpdate,
	"APPOINTMENT_UPDATE":           TagConfirmedEventUpdate,
	"CONFIRMED_EVENT_REMINDER":     TagConfirmedEventUpdate,
	"TICKET_UPDATE":                TagConfirmedEventUpdate,
	"TRANSPORTATION_UPDATE":        TagConfirmedEventUpdate,
	"BUSINESS_PRODUCTIVITY":        "",
	"COMMUNITY_ALERT":              "",
	"GAME_EVENT":                   "",
	"FEATURE_FUNCTIONALITY_UPDATE": "",
}

// LegacyTagMode is a bot's choice for retired tags.
type LegacyTagMode string

const (
	LegacyMap    LegacyTagMode = "map"
	LegacyReject LegacyTagMode = "reject"
)

// ResolveTag checks a messaging type and tag pair and returns the tag to send.
// typeField and tagField name the fields in the caller's dialect.
func ResolveTag(messagingType, tag string, mode LegacyTagMode, typeField, tagField string) (string, error) {
	switch messagingType {
	case TypeResponse, TypeUpdate:
		// A tag only means something with MESSAGE_TAG; Graph ignores it otherwise,
		// so it is dropped here and kept in the record as the original tag.
		return "", nil
	case TypeMessageTag:
	case "":
		return "", Invalid(typeField, "is required (RESPONSE, UPDATE or MESSAGE_TAG)")
	default:
		return "", Invalid(typeField, "must be RESPONSE, UPDATE or MESSAGE_TAG, not %q", messagingType)
	}
	if tag == "" {
		return "", Invalid(tagField, "is required when %s is MESSAGE_TAG", typeField)
	}
	if slices.Contains(CurrentTags, tag) {
		return tag, nil
	}
	mapped, legacy := LegacyTags[tag]
	switch {
	case !legacy:
		return "", Invalid(tagField, "%q is not a message tag; use one of ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, HUMAN_AGENT", tag)
	case mode == LegacyReject:
		return "", Invalid(tagField, "%q was retired by Facebook on 2020-03-04 and this bot rejects retired tags", tag)
	case mapped == "":
		return "", Invalid(tagField, "%q was retired by Facebook on 2020-03-04 and has no current equivalent; use ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE or HUMAN_AGENT", tag)
	}
	return mapped, nil
}
