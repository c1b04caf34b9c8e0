package core

import (
	"testing"
	"time"
)

func TestImportRows(t *testing.T) {
	bot := &Bot{ID: "b", Messenger: &MessengerChannel{PageID: "p1"}, WhatsApp: &WhatsAppChannel{Phone: "+15550001111"}}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		row     ImportRow
		psid    string
		inbound string
		refusal string
	}{
		{ImportRow{"psid": "1", "last_interaction_at": "2026-12-01T16:30:00+08:00"}, "1", "2026-12-01T08:30:00Z", ""},
		{ImportRow{"psid": "1", "last_interaction_at": "1796119200"}, "1", "2026-12-01T10:00:00Z", ""},
		{ImportRow{"psid": "1", "last_interaction_at": "1796119200123"}, "1", "2026-12-01T10:00:00.123Z", ""},
		{ImportRow{"psid": "1", "last_interaction_at": "17961192001"}, "", "", `last_interaction_at: "17961192001" has 11 digits: give Unix seconds (10 digits) or milliseconds (13)`},
		{ImportRow{"wa_id": "+15557654321", "number": "+1 555 000 1111"}, "wa:15557654321", "", ""},
		{ImportRow{"wa_id": "15557654321", "number": "+15550002222"}, "", "", `number: "+15550002222" is not the WhatsApp number of bot b`},
		{ImportRow{"psid": "1", "number": "+15550001111"}, "", "", "number: a Messenger user (psid) belongs to a page, not a number"},
		{ImportRow{"psid": "1", "wa_id": "15557654321"}, "", "", "psid: name the user by psid or by wa_id, not both"},
		{ImportRow{"psid": " 1"}, "", "", `psid: " 1" has leading or trailing spaces`},
		{ImportRow{"psid": "1\x00"}, "", "", "psid: may not contain control characters"},
		{ImportRow{"psid": "1", "first_name": "\xff"}, "", "", "first_name: is not valid UTF-8"},
	} {
		c, err := ContactFromRow(bot, tc.row, now)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.refusal || (err == nil && c.PSID != tc.psid) {
			t.Errorf("%v: %q %v; want %q %q", tc.row, c.PSID, got, tc.psid, tc.refusal)
		}
		if tc.inbound != "" && (c.LastInteraction == nil || c.LastInteraction.Format(time.RFC3339Nano) != tc.inbound) {
			t.Errorf("%v: last interaction %v, want %s", tc.row, c.LastInteraction, tc.inbound)
		}
	}
	links, err := LinksFromRow(bot, ImportRow{"psid": "1", "email": "a@b.c", "user_phone_number": "0086 139 0000 2222"})
	if err != nil || len(links) != 2 || links[0].Value != "a@b.c" || links[1].Value != "+8613900002222" {
		t.Errorf("links: %+v %v", links, err)
	}
	if _, err := LinksFromRow(bot, ImportRow{"psid": "1", "email": "not-an-address"}); err == nil || err.Error() != `email: "not-an-address" is not an email address` {
		t.Errorf("bad email: %v", err)
	}
}
