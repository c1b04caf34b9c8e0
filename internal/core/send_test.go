package core_test

import (
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

var bothubFields = core.Fields{RequestID: "request_id", Recipient: "recipient", MessagingType: "messaging_type",
	Tag: "tag", Message: "message", Params: "params"}

// fakeResolver answers with fixed values and records the recipients it was asked about.
type fakeResolver struct {
	psid   string
	stored map[string]string
	err    error
	calls  []core.Recipient
	wanted []bool // wantParams of each call
}

func (f *fakeResolver) resolve(r core.Recipient, wantParams bool) (string, map[string]string, error) {
	f.calls = append(f.calls, r)
	f.wanted = append(f.wanted, wantParams)
	if !wantParams {
		return f.psid, nil, f.err
	}
	return f.psid, f.stored, f.err
}

func newResolver() *fakeResolver {
	return &fakeResolver{psid: "PSID-1", stored: map[string]string{"points": "120"}}
}

func botWith(s core.Settings) *core.Bot { return &core.Bot{ID: "bot1", Settings: s.WithDefaults()} }

func validRequest() core.SendRequest {
	return core.SendRequest{
		RequestID: "req-1", Recipient: core.Recipient{ID: "psid-in-request"},
		MessagingType: core.TypeMessageTag, Tag: "SHIPPING_UPDATE",
		Cards:  []core.Message{{Text: "Hi {{first_name}}, {{points}} points, {{ tier }} tier"}},
		Params: map[string]string{"tier": "gold"},
	}
}

// Each step fixes the error the previous one reported; the request starts
// with every part wrong, so the steps show the order Check reports errors in.
func TestSendRequestCheckErrorOrder(t *testing.T) {
	req := validRequest()
	req.RequestID = ""
	req.Recipient = core.Recipient{ID: "1", Email: "a@example.com"}
	req.Cards = []core.Message{{Text: "x", Attachment: &core.Attachment{Type: "image"}}}
	req.Params["first_name"] = "Bob"
	req.MessagingType = ""
	req.Cards[0].Text = "{{coupon}}"

	steps := []struct {
		name         string
		want         *wantErr
		wantResolved bool
		fix          func(r *core.SendRequest)
	}{
		{"request id", &wantErr{core.KindMissingRequestID, "request_id", "request_id is required"}, false,
			func(r *core.SendRequest) { r.RequestID = "req-1" }},
		{"recipient", &wantErr{core.KindBadRecipient, "recipient",
			"recipient names the user in more than one way (id, email); give exactly one"}, false,
			func(r *core.SendRequest) { r.Recipient = core.Recipient{ID: "psid-in-request"} }},
		{"message", badShape("message", "has both text and attachment; a message carries exactly one"), true,
			func(r *core.SendRequest) { r.Cards[0].Attachment = nil }},
		{"params", invalid("params", `parameter name "first_name" is reserved for the user's profile`), true,
			func(r *core.SendRequest) { delete(r.Params, "first_name") }},
		{"tag", invalid("messaging_type", "is required (RESPONSE, UPDATE or MESSAGE_TAG)"), true,
			func(r *core.SendRequest) { r.MessagingType = core.TypeMessageTag }},
		{"placeholders", invalid("message.text", "placeholder {{coupon}} has no value: pass it in params or set it on the contact"), true,
			func(r *core.SendRequest) { r.Cards[0].Text = "{{points}}" }},
		{"valid", nil, true, nil},
	}
	for _, s := range steps {
		res := newResolver()
		err := req.Check(botWith(core.Settings{}), bothubFields, res.resolve)
		checkErr(t, err, s.want)
		if resolved := len(res.calls) == 1; resolved != s.wantResolved || len(res.calls) > 1 {
			t.Fatalf("%s: resolver called %d times", s.name, len(res.calls))
		}
		if s.fix != nil {
			s.fix(&req)
		}
	}
}

func TestSendRequestCheckRecipientAndMessage(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *core.SendRequest)
		want *wantErr
	}{
		{"no recipient way", func(r *core.SendRequest) { r.Recipient = core.Recipient{FirstName: "Ann"} },
			&wantErr{core.KindUnknownRecipientWay, "recipient",
				"recipient names the user in no known way (id, phone_number, username, email or user_phone_number)"}},
		{"no cards", func(r *core.SendRequest) { r.Cards = nil },
			&wantErr{core.KindMissingMessage, "message", "message is required"}},
		{"empty cards", func(r *core.SendRequest) { r.Cards = []core.Message{} },
			&wantErr{core.KindMissingMessage, "message", "message is required"}},
		{"second card invalid", func(r *core.SendRequest) { r.Cards = append(r.Cards, core.Message{}) },
			badShape("message[1]", "needs text or attachment")},
		{"block card invalid", func(r *core.SendRequest) {
			r.Block = "Welcome"
			r.Cards = []core.Message{{Text: runes('a', 2001)}}
		}, invalid(`block "Welcome" card[0].text`, "is 2001 characters; at most 2000 are allowed")},
		{"first invalid card wins", func(r *core.SendRequest) {
			r.Cards = []core.Message{{Text: "ok"}, {}, {Text: "x", Metadata: runes('a', 1001)}}
		}, badShape("message[1]", "needs text or attachment")},
		{"card checked before params", func(r *core.SendRequest) {
			r.Cards = []core.Message{{}}
			r.Params = map[string]string{"bad key": "x"}
		}, badShape("message", "needs text or attachment")},
		{"bad param name", func(r *core.SendRequest) { r.Params = map[string]string{"bad key": "x"} },
			invalid("params", `parameter name "bad key" must consist of letters, digits and underscores`)},
		{"params checked before tags", func(r *core.SendRequest) {
			r.Params = map[string]string{"last_name": "x"}
			r.Tag = "NOPE"
		}, invalid("params", `parameter name "last_name" is reserved for the user's profile`)},
		{"tags checked before placeholders", func(r *core.SendRequest) {
			r.Tag = "NOPE"
			r.Cards[0].Text = "{{coupon}}"
		}, invalid("tag", `"NOPE" is not a message tag; use one of ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, HUMAN_AGENT`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validRequest()
			tt.edit(&req)
			checkErr(t, req.Check(botWith(core.Settings{}), bothubFields, newResolver().resolve), tt.want)
		})
	}
}

func TestSendRequestCheckResolverError(t *testing.T) {
	unknown := &core.Error{Kind: core.KindUnknownUser, Field: "recipient.email", Message: "no user with that email"}
	plain := errors.New("database is down")
	for _, want := range []error{unknown, plain} {
		req := validRequest()
		req.Cards = []core.Message{{}} // a message error would come later
		req.Tag = "NOPE"
		res := &fakeResolver{err: want, psid: "ignored"}
		if err := req.Check(botWith(core.Settings{}), bothubFields, res.resolve); err != want {
			t.Fatalf("Check = %#v, want the resolver's error %#v unchanged", err, want)
		}
		if req.PSID != "" || req.StoredParams != nil || req.EffectiveTag != "" {
			t.Fatalf("failed resolve set PSID %q, StoredParams %v, EffectiveTag %q", req.PSID, req.StoredParams, req.EffectiveTag)
		}
	}
}

func TestSendRequestCheckSetsResolvedFields(t *testing.T) {
	tests := []struct {
		name     string
		settings core.Settings
		edit     func(r *core.SendRequest)
		psid     string
		wantTag  string
		wantErr  *wantErr
	}{
		{"legacy tag mapped", core.Settings{LegacyTags: core.LegacyMap}, func(*core.SendRequest) {}, "PSID-1", core.TagPostPurchaseUpdate, nil},
		{"default settings map", core.Settings{}, func(*core.SendRequest) {}, "PSID-1", core.TagPostPurchaseUpdate, nil},
		{"current tag", core.Settings{}, func(r *core.SendRequest) { r.Tag = core.TagHumanAgent }, "PSID-1", core.TagHumanAgent, nil},
		{"RESPONSE drops the tag", core.Settings{}, func(r *core.SendRequest) { r.MessagingType = core.TypeResponse }, "PSID-1", "", nil},
		{"phone recipient has no PSID", core.Settings{}, func(r *core.SendRequest) {
			r.Recipient = core.Recipient{PhoneNumber: "+8618900001111"}
		}, "", core.TagPostPurchaseUpdate, nil},
		{"legacy tag rejected", core.Settings{LegacyTags: core.LegacyReject}, func(*core.SendRequest) {}, "PSID-1", "",
			invalid("tag", `"SHIPPING_UPDATE" was retired by Facebook on 2020-03-04 and this bot rejects retired tags`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validRequest()
			tt.edit(&req)
			cards, tag := mustJSON(t, req.Cards), req.Tag
			res := newResolver()
			res.psid = tt.psid
			err := req.Check(botWith(tt.settings), bothubFields, res.resolve)
			checkErr(t, err, tt.wantErr)
			if len(res.calls) != 1 || res.calls[0] != req.Recipient {
				t.Fatalf("resolver calls %+v, want exactly the request's recipient", res.calls)
			}
			if req.PSID != tt.psid || !maps.Equal(req.StoredParams, res.stored) || req.EffectiveTag != tt.wantTag {
				t.Fatalf("PSID %q StoredParams %v EffectiveTag %q; want %q %v %q",
					req.PSID, req.StoredParams, req.EffectiveTag, tt.psid, res.stored, tt.wantTag)
			}
			if req.Tag != tag {
				t.Fatalf("Check changed the requested tag %q to %q", tag, req.Tag)
			}
			if got := mustJSON(t, req.Cards); got != cards {
				t.Fatalf("Check changed the cards:\n %s\n %s", cards, got)
			}
		})
	}
}

func TestSendRequestCheckNotificationToken(t *testing.T) {
	tests := []struct {
		name     string
		typ, tag string
		wantTag  string
		want     *wantErr
	}{
		{"no messaging type", "", "", "", nil},
		{"no messaging type, stray tag", "", "NOPE", "", nil},
		{"UPDATE", core.TypeUpdate, "", "", nil},
		{"MESSAGE_TAG with tag", core.TypeMessageTag, core.TagAccountUpdate, core.TagAccountUpdate, nil},
		{"MESSAGE_TAG without tag", core.TypeMessageTag, "", "", invalid("tag", "is required when messaging_type is MESSAGE_TAG")},
		{"bad messaging type", "PROMO", "", "", invalid("messaging_type", `must be RESPONSE, UPDATE or MESSAGE_TAG, not "PROMO"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validRequest()
			req.Recipient = core.Recipient{NotificationToken: "token-1"}
			req.MessagingType, req.Tag = tt.typ, tt.tag
			res := newResolver()
			res.psid = ""
			checkErr(t, req.Check(botWith(core.Settings{}), bothubFields, res.resolve), tt.want)
			if req.EffectiveTag != tt.wantTag {
				t.Fatalf("EffectiveTag = %q, want %q", req.EffectiveTag, tt.wantTag)
			}
		})
	}
	// Any other recipient needs a messaging type.
	req := validRequest()
	req.MessagingType, req.Tag = "", ""
	checkErr(t, req.Check(botWith(core.Settings{}), bothubFields, newResolver().resolve),
		invalid("messaging_type", "is required (RESPONSE, UPDATE or MESSAGE_TAG)"))
}

func TestSendRequestCheckPlaceholders(t *testing.T) {
	missing := func(path, key string) *wantErr {
		return invalid(path, "placeholder {{"+key+"}} has no value: pass it in params or set it on the contact")
	}
	tests := []struct {
		name   string
		mode   core.Unfilled
		cards  []core.Message
		block  string
		params map[string]string
		stored map[string]string
		want   *wantErr
	}{
		{"profile fields are known", core.UnfilledReject,
			[]core.Message{{Text: "{{first_name}} {{last_name}} {{id}} {{locale}} {{gender}}"}}, "", nil, nil, nil},
		{"send and stored params", core.UnfilledReject,
			[]core.Message{{Text: "{{points}} {{tier}}"}}, "", map[string]string{"tier": "gold"}, map[string]string{"points": "1"}, nil},
		{"stored only", core.UnfilledReject,
			[]core.Message{{Text: "{{points}}"}}, "", nil, map[string]string{"points": "1"}, nil},
		{"send only", core.UnfilledReject,
			[]core.Message{{Text: "{{points}}"}}, "", map[string]string{"points": "1"}, nil, nil},
		{"missing", core.UnfilledReject,
			[]core.Message{{Text: "{{points}} {{coupon}}"}}, "", nil, map[string]string{"points": "1"}, missing("message.text", "coupon")},
		{"profile_pic is not a profile field", core.UnfilledReject,
			[]core.Message{{Text: "{{profile_pic}}"}}, "", nil, nil, missing("message.text", "profile_pic")},
		{"missing in second card", core.UnfilledReject,
			[]core.Message{{Text: "ok"}, {Text: "{{coupon}}"}}, "", nil, nil, missing("message[1].text", "coupon")},
		{"missing in a block card", core.UnfilledReject,
			[]core.Message{{Text: "ok"}, {Text: "{{coupon}}"}}, "Welcome", nil, nil, missing(`block "Welcome" card[1].text`, "coupon")},
		{"missing in a one-card block", core.UnfilledReject,
			[]core.Message{{Text: "{{coupon}}"}}, "Welcome", nil, nil, missing(`block "Welcome" card[0].text`, "coupon")},
		{"missing, empty mode", core.UnfilledEmpty, []core.Message{{Text: "{{coupon}}"}}, "", nil, nil, nil},
		{"missing, keep mode", core.UnfilledKeep, []core.Message{{Text: "{{coupon}}"}}, "", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validRequest()
			req.Cards, req.Block, req.Params = tt.cards, tt.block, tt.params
			res := newResolver()
			res.stored = tt.stored
			checkErr(t, req.Check(botWith(core.Settings{UnfilledPlaceholder: tt.mode}), bothubFields, res.resolve), tt.want)
		})
	}
}

func TestSendRequestNeedsProfile(t *testing.T) {
	tests := []struct {
		name      string
		cards     []string
		recipient core.Recipient
		params    map[string]string
		stored    map[string]string
		want      bool
	}{
		{"no placeholders", []string{"hello"}, core.Recipient{ID: "1"}, nil, nil, false},
		{"params only", []string{"{{points}} {{tier}}"}, core.Recipient{ID: "1"}, nil, nil, false},
		{"id comes from the PSID", []string{"{{id}}"}, core.Recipient{ID: "1"}, nil, nil, false},
		{"first_name", []string{"Hi {{first_name}}"}, core.Recipient{ID: "1"}, nil, nil, true},
		{"first_name given with the phone number", []string{"Hi {{first_name}}"},
			core.Recipient{PhoneNumber: "+8618900001111", FirstName: "Ann"}, nil, nil, false},
		{"first_name given, last_name not", []string{"{{first_name}} {{last_name}}"},
			core.Recipient{PhoneNumber: "+8618900001111", FirstName: "Ann"}, nil, nil, true},
		{"last_name given", []string{"{{last_name}}"}, core.Recipient{PhoneNumber: "+8618900001111", LastName: "Lee"}, nil, nil, false},
		{"first_name in params still needs the profile", []string{"{{first_name}}"}, core.Recipient{ID: "1"},
			map[string]string{"first_name": "x"}, map[string]string{"first_name": "y"}, true},
		{"locale", []string{"{{locale}}"}, core.Recipient{ID: "1"}, nil, nil, true},
		{"locale in params", []string{"{{locale}}"}, core.Recipient{ID: "1"}, map[string]string{"locale": "en_US"}, nil, false},
		{"locale stored", []string{"{{locale}}"}, core.Recipient{ID: "1"}, nil, map[string]string{"locale": "en_US"}, false},
		{"gender", []string{"{{ gender }}"}, core.Recipient{ID: "1"}, nil, nil, true},
		{"gender stored", []string{"{{gender}}"}, core.Recipient{ID: "1"}, nil, map[string]string{"gender": ""}, false},
		{"second card", []string{"hello", "{{gender}}"}, core.Recipient{ID: "1"}, nil, nil, true},
		{"only in a URL", nil, core.Recipient{ID: "1"}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := core.SendRequest{Recipient: tt.recipient, Params: tt.params, StoredParams: tt.stored}
			for _, text := range tt.cards {
				req.Cards = append(req.Cards, core.Message{Text: text})
			}
			if tt.cards == nil {
				req.Cards = []core.Message{withPayload(buttonMsg, func(p *core.Payload) {
					p.Buttons[1].URL = "https://example.com/?n={{first_name}}"
				})()}
			}
			if got := req.NeedsProfile(); got != tt.want {
				t.Fatalf("NeedsProfile = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSendRequestVars(t *testing.T) {
	profile := &core.Profile{ID: "PROFILE-ID", FirstName: "Bob", LastName: "Ma", ProfilePic: "https://example.com/p.jpg",
		Locale: "zh_CN", Gender: "male", Timezone: 8}
	params, stored := map[string]string{"tier": "gold"}, map[string]string{"points": "120"}
	tests := []struct {
		name      string
		recipient core.Recipient
		psid      string
		profile   *core.Profile
		want      map[string]string
	}{
		{"no profile yet", core.Recipient{ID: "1"}, "", nil,
			map[string]string{"first_name": "", "last_name": "", "id": "", "locale": "", "gender": ""}},
		{"no profile yet, PSID known", core.Recipient{ID: "1"}, "PSID-1", nil,
			map[string]string{"first_name": "", "last_name": "", "id": "PSID-1", "locale": "", "gender": ""}},
		{"no profile yet, recipient name", core.Recipient{PhoneNumber: "+8618900001111", FirstName: "Ann", LastName: "Lee"}, "", nil,
			map[string]string{"first_name": "Ann", "last_name": "Lee", "id": "", "locale": "", "gender": ""}},
		{"profile", core.Recipient{ID: "1"}, "", profile,
			map[string]string{"first_name": "Bob", "last_name": "Ma", "id": "PROFILE-ID", "locale": "zh_CN", "gender": "male"}},
		{"PSID overrides profile id", core.Recipient{ID: "1"}, "PSID-1", profile,
			map[string]string{"first_name": "Bob", "last_name": "Ma", "id": "PSID-1", "locale": "zh_CN", "gender": "male"}},
		{"recipient first name overrides profile", core.Recipient{PhoneNumber: "+8618900001111", FirstName: "Ann"}, "PSID-1", profile,
			map[string]string{"first_name": "Ann", "last_name": "Ma", "id": "PSID-1", "locale": "zh_CN", "gender": "male"}},
		{"recipient last name overrides profile", core.Recipient{PhoneNumber: "+8618900001111", LastName: "Lee"}, "", profile,
			map[string]string{"first_name": "Bob", "last_name": "Lee", "id": "PROFILE-ID", "locale": "zh_CN", "gender": "male"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := core.SendRequest{Recipient: tt.recipient, PSID: tt.psid, Params: params, StoredParams: stored}
			v := req.Vars(tt.profile)
			if !maps.Equal(v.Profile, tt.want) || !maps.Equal(v.Send, params) || !maps.Equal(v.Stored, stored) {
				t.Fatalf("Vars = %+v\nwant Profile %v", v, tt.want)
			}
		})
	}

	// End to end: the values Render sees.
	req := core.SendRequest{Recipient: core.Recipient{ID: "1", FirstName: "Ann"}, PSID: "PSID-1", Params: params, StoredParams: stored}
	got, err := core.Render(core.Message{Text: "{{first_name}} {{last_name}} {{id}} {{locale}} {{tier}} {{points}}"},
		req.Vars(profile), core.UnfilledReject, "message")
	if err != nil || got.Text != "Ann Ma PSID-1 zh_CN gold 120" {
		t.Fatalf("rendered %q, %v", got.Text, err)
	}
	// Vars does not write into the profile it was given.
	if !reflect.DeepEqual(profile.Fields(), map[string]string{"first_name": "Bob", "last_name": "Ma", "id": "PROFILE-ID",
		"locale": "zh_CN", "gender": "male"}) {
		t.Fatalf("profile changed: %+v", profile)
	}
}

// Like DecodeStrict, Check reports the same error on every run when several
// parameter names are wrong.
func TestSendRequestCheckParamErrorDeterministic(t *testing.T) {
	seen := map[string]int{}
	for range 100 {
		req := validRequest()
		req.Params = map[string]string{"first_name": "a", "last_name": "b", "bad key": "c", "tier": "gold"}
		err := req.Check(botWith(core.Settings{}), bothubFields, newResolver().resolve)
		if core.ErrorKind(err) != core.KindInvalid || core.AsError(err).Field != "params" {
			t.Fatalf("Check = %v; want an invalid params error", err)
		}
		seen[err.Error()]++
	}
	if len(seen) > 1 {
		t.Fatalf("the reported error varies between runs: %v", seen)
	}
}
