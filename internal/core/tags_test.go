package core_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

// retiredTags is GRAPH-FACTS.md's list of tags retired on 2020-03-04, with the
// policy mapping documented for each ("" = no current equivalent).
var retiredTags = map[string]string{
	"APPLICATION_UPDATE":           core.TagAccountUpdate,
	"ISSUE_RESOLUTION":             core.TagAccountUpdate,
	"PERSONAL_FINANCE_UPDATE":      core.TagAccountUpdate,
	"PAIRING_UPDATE":               core.TagAccountUpdate,
	"NON_PROMOTIONAL_SUBSCRIPTION": core.TagAccountUpdate,
	"PAYMENT_UPDATE":               core.TagPostPurchaseUpdate,
	"RESERVATION_UPDATE":           core.TagPostPurchaseUpdate,
	"SHIPPING_UPDATE":              core.TagPostPurchaseUpdate,
	"APPOINTMENT_UPDATE":           core.TagConfirmedEventUpdate,
	"CONFIRMED_EVENT_REMINDER":     core.TagConfirmedEventUpdate,
	"TICKET_UPDATE":                core.TagConfirmedEventUpdate,
	"TRANSPORTATION_UPDATE":        core.TagConfirmedEventUpdate,
	"BUSINESS_PRODUCTIVITY":        "",
	"COMMUNITY_ALERT":              "",
	"GAME_EVENT":                   "",
	"FEATURE_FUNCTIONALITY_UPDATE": "",
}

func TestLegacyTagsTable(t *testing.T) {
	if !maps.Equal(core.LegacyTags, retiredTags) {
		t.Fatalf("LegacyTags = %v\nwant %v", core.LegacyTags, retiredTags)
	}
	want := []string{"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT"}
	if !slices.Equal(core.CurrentTags, want) {
		t.Fatalf("CurrentTags = %v, want %v", core.CurrentTags, want)
	}
	for tag, mapped := range core.LegacyTags {
		if slices.Contains(core.CurrentTags, tag) {
			t.Errorf("%s is both current and legacy", tag)
		}
		if mapped != "" && !slices.Contains(core.CurrentTags, mapped) {
			t.Errorf("%s maps to %s, which is not a current tag", tag, mapped)
		}
	}
}

func TestResolveTag(t *testing.T) {
	type row struct {
		name     string
		typ, tag string
		mode     core.LegacyTagMode
		want     string
		wantErr  *wantErr
	}
	const tf, gf = "messaging_type", "tag"
	retired := func(tag string) *wantErr {
		return invalid(gf, fmt.Sprintf("%q was retired by Facebook on 2020-03-04 and this bot rejects retired tags", tag))
	}
	noEquivalent := func(tag string) *wantErr {
		return invalid(gf, fmt.Sprintf("%q was retired by Facebook on 2020-03-04 and has no current equivalent; "+
			"use ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE or HUMAN_AGENT", tag))
	}
	unknown := func(tag string) *wantErr {
		return invalid(gf, fmt.Sprintf("%q is not a message tag; use one of ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, "+
			"POST_PURCHASE_UPDATE, HUMAN_AGENT", tag))
	}
	var rows []row
	for _, mode := range []core.LegacyTagMode{core.LegacyMap, core.LegacyReject, ""} {
		for _, tag := range core.CurrentTags {
			rows = append(rows, row{name: "current " + tag, typ: core.TypeMessageTag, tag: tag, mode: mode, want: tag})
		}
		for _, tag := range slices.Sorted(maps.Keys(retiredTags)) {
			r := row{name: "legacy " + tag, typ: core.TypeMessageTag, tag: tag, mode: mode}
			switch mapped := retiredTags[tag]; {
			case mode == core.LegacyReject:
				r.wantErr = retired(tag)
			case mapped == "":
				r.wantErr = noEquivalent(tag)
			default:
				r.want = mapped
			}
			rows = append(rows, r)
		}
		for _, tag := range []string{"FOO", "account_update", " ACCOUNT_UPDATE", "Shipping_Update", "CONFIRMED_EVENT"} {
			rows = append(rows, row{name: "unknown " + tag, typ: core.TypeMessageTag, tag: tag, mode: mode, wantErr: unknown(tag)})
		}
		for _, typ := range []string{core.TypeResponse, core.TypeUpdate} {
			for _, tag := range []string{"", core.TagAccountUpdate, "SHIPPING_UPDATE", "GAME_EVENT", "GARBAGE"} {
				rows = append(rows, row{name: typ + " drops " + tag, typ: typ, tag: tag, mode: mode, want: ""})
			}
		}
		rows = append(rows,
			row{name: "MESSAGE_TAG without tag", typ: core.TypeMessageTag, mode: mode,
				wantErr: invalid(gf, "is required when messaging_type is MESSAGE_TAG")},
			row{name: "missing messaging type", tag: core.TagAccountUpdate, mode: mode,
				wantErr: invalid(tf, "is required (RESPONSE, UPDATE or MESSAGE_TAG)")},
			row{name: "missing messaging type and tag", mode: mode,
				wantErr: invalid(tf, "is required (RESPONSE, UPDATE or MESSAGE_TAG)")},
			row{name: "lower-case messaging type", typ: "response", mode: mode,
				wantErr: invalid(tf, `must be RESPONSE, UPDATE or MESSAGE_TAG, not "response"`)},
			row{name: "messaging type NON_PROMOTIONAL_SUBSCRIPTION", typ: "NON_PROMOTIONAL_SUBSCRIPTION", mode: mode,
				wantErr: invalid(tf, `must be RESPONSE, UPDATE or MESSAGE_TAG, not "NON_PROMOTIONAL_SUBSCRIPTION"`)},
		)
	}
	for _, r := range rows {
		t.Run(string(r.mode)+"/"+r.name, func(t *testing.T) {
			got, err := core.ResolveTag(r.typ, r.tag, r.mode, tf, gf)
			checkErr(t, err, r.wantErr)
			if got != r.want {
				t.Fatalf("ResolveTag(%q, %q, %q) = %q, want %q", r.typ, r.tag, r.mode, got, r.want)
			}
		})
	}
}

// Errors name the fields the way the caller's dialect spells them.
func TestResolveTagFieldNames(t *testing.T) {
	const tf, gf = "data.message_type", "data.message_tag"
	tests := []struct {
		typ, tag string
		mode     core.LegacyTagMode
		want     *wantErr
	}{
		{"", "", core.LegacyMap, invalid(tf, "is required (RESPONSE, UPDATE or MESSAGE_TAG)")},
		{"X", "", core.LegacyMap, invalid(tf, `must be RESPONSE, UPDATE or MESSAGE_TAG, not "X"`)},
		{"MESSAGE_TAG", "", core.LegacyMap, invalid(gf, "is required when data.message_type is MESSAGE_TAG")},
		{"MESSAGE_TAG", "NOPE", core.LegacyMap, invalid(gf, `"NOPE" is not a message tag; use one of ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, HUMAN_AGENT`)},
		{"MESSAGE_TAG", "PAYMENT_UPDATE", core.LegacyReject, invalid(gf, `"PAYMENT_UPDATE" was retired by Facebook on 2020-03-04 and this bot rejects retired tags`)},
		{"MESSAGE_TAG", "GAME_EVENT", core.LegacyMap, invalid(gf, `"GAME_EVENT" was retired by Facebook on 2020-03-04 and has no current equivalent; use ACCOUNT_UPDATE, CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE or HUMAN_AGENT`)},
	}
	for _, tt := range tests {
		got, err := core.ResolveTag(tt.typ, tt.tag, tt.mode, tf, gf)
		if got != "" {
			t.Errorf("ResolveTag(%q, %q) = %q on error", tt.typ, tt.tag, got)
		}
		checkErr(t, err, tt.want)
	}
}
