package bothub

import (
	"context"
	"net/http"

	"github.com/botgate/botgate/internal/core"
)

// setParams stores parameters on a user (Bothub's parameter API); they fill
// placeholders in every later send to that user.
func (h *Handler) setParams(ctx context.Context, bot *core.Bot, env *envelope) (any, int, error) {
	psid, err := h.userOf(ctx, bot, env)
	if err != nil {
		return nil, 0, err
	}
	params, err := parseParams(env.Params, "params")
	if err != nil {
		return nil, 0, err
	}
	if len(params) == 0 {
		return nil, 0, core.Invalid("params", "is required: a list of {\"key\", \"value\"}")
	}
	stored, err := h.Service.SetParams(ctx, bot, psid, params, false, "params")
	if err != nil {
		return nil, 0, err
	}
	return map[string]any{"request_id": env.requestID, "recipient_id": psid, "params": stored}, http.StatusOK, nil
}

// userOf resolves the request's recipient to one Messenger user.
func (h *Handler) userOf(ctx context.Context, bot *core.Bot, env *envelope) (string, error) {
	raw := env.Recipient
	if len(raw) == 0 || string(raw) == "null" {
		raw = env.Request.Recipient
	}
	r, err := parseRecipient(raw)
	if err != nil {
		return "", err
	}
	return h.Service.PSID(ctx, bot, r, "recipient")
}

// linkAccount ties the merchant's account names for a user to the user's
// PSID: recipient.id with any of username, email and user_phone_number.
func (h *Handler) linkAccount(ctx context.Context, bot *core.Bot, env *envelope) (any, int, error) {
	psid, links, err := linkRecipient(env)
	if err != nil {
		return nil, 0, err
	}
	if len(links) == 0 {
		return nil, 0, &core.Error{Kind: core.KindBadRecipient, Field: "recipient",
			Message: "recipient needs username, email or user_phone_number to link beside its id"}
	}
	if err := h.Service.Store.LinkAccount(ctx, bot.ID, psid, links); err != nil {
		return nil, 0, err
	}
	return map[string]any{"request_id": env.requestID, "recipient_id": psid, "linked": links}, http.StatusOK, nil
}

// unlinkAccount removes the user's links of the kinds the recipient names,
// or all of them when it names none.
func (h *Handler) unlinkAccount(ctx context.Context, bot *core.Bot, env *envelope) (any, int, error) {
	psid, links, err := linkRecipient(env)
	if err != nil {
		return nil, 0, err
	}
	var kinds []string
	for k := range links {
		kinds = append(kinds, k)
	}
	n, err := h.Service.Store.UnlinkAccount(ctx, bot.ID, psid, kinds)
	if err != nil {
		return nil, 0, err
	}
	return map[string]any{"request_id": env.requestID, "recipient_id": psid, "removed": n}, http.StatusOK, nil
}

// linkRecipient reads link_account's recipient: the PSID and the account
// names beside it (phone numbers normalised to E.164).
func linkRecipient(env *envelope) (string, map[string]string, error) {
	raw := env.Recipient
	if len(raw) == 0 || string(raw) == "null" {
		raw = env.Request.Recipient
	}
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, core.Errorf(core.KindMissingRecipient, "recipient is required")
	}
	in, err := decodeRecipient(raw)
	if err != nil {
		return "", nil, err
	}
	if in.ID == "" {
		return "", nil, &core.Error{Kind: core.KindBadRecipient, Field: "recipient.id",
			Message: "recipient.id (the user's PSID) is required to link accounts"}
	}
	ids := core.Recipient{ID: string(in.ID), Username: string(in.Username), Email: in.Email}
	if err := ids.CheckIDs("recipient"); err != nil {
		return "", nil, err
	}
	links := map[string]string{}
	if in.Username != "" {
		links[core.LinkUsername] = string(in.Username)
	}
	if in.Email != "" {
		links[core.LinkEmail] = in.Email
	}
	if in.UserPhoneNumber != "" {
		phone, err := core.NormalizePhone(string(in.UserPhoneNumber), "", "recipient.user_phone_number")
		if err != nil {
			return "", nil, err
		}
		links[core.LinkUserPhoneNumber] = phone
	}
	if in.PhoneNumber != "" {
		return "", nil, core.Invalid("recipient.phone_number", "cannot be linked; link user_phone_number")
	}
	return string(in.ID), links, nil
}
