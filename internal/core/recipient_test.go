package core_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

func TestRecipientValidate(t *testing.T) {
	none := &wantErr{core.KindUnknownRecipientWay, "recipient",
		"recipient names the user in no known way (id, phone_number, username, email or user_phone_number)"}
	several := func(ways string) *wantErr {
		return &wantErr{core.KindBadRecipient, "recipient",
			"recipient names the user in more than one way (" + ways + "); give exactly one"}
	}
	tests := []struct {
		name     string
		r        core.Recipient
		linked   bool
		wantErr  *wantErr
		wantWays []string
	}{
		{name: "empty", r: core.Recipient{}, wantErr: none},
		{name: "name only", r: core.Recipient{FirstName: "Ann", LastName: "Lee"}, wantErr: none},
		{name: "id", r: core.Recipient{ID: "123"}, wantWays: []string{"id"}},
		{name: "phone_number with name", r: core.Recipient{PhoneNumber: "+8618900001111", FirstName: "Ann", LastName: "Lee"},
			wantWays: []string{"phone_number"}},
		{name: "username", r: core.Recipient{Username: "ann"}, wantWays: []string{"username"}, linked: true},
		{name: "email", r: core.Recipient{Email: "ann@example.com"}, wantWays: []string{"email"}, linked: true},
		{name: "user_phone_number", r: core.Recipient{UserPhoneNumber: "+8618900001111"}, wantWays: []string{"user_phone_number"}, linked: true},
		{name: "notification token", r: core.Recipient{NotificationToken: "tok"}, wantWays: []string{"notification_messages_token"}},
		{name: "id and phone", r: core.Recipient{ID: "1", PhoneNumber: "+8618900001111"},
			wantErr: several("id, phone_number"), wantWays: []string{"id", "phone_number"}},
		{name: "email and username", r: core.Recipient{Email: "a@b.c", Username: "ann"},
			wantErr: several("username, email"), wantWays: []string{"username", "email"}, linked: true},
		{name: "token and id", r: core.Recipient{NotificationToken: "tok", ID: "1"},
			wantErr: several("id, notification_messages_token"), wantWays: []string{"id", "notification_messages_token"}},
		{name: "all six", r: core.Recipient{ID: "1", PhoneNumber: "+1", Username: "u", Email: "e", UserPhoneNumber: "+2", NotificationToken: "t"},
			wantErr:  several("id, phone_number, username, email, user_phone_number, notification_messages_token"),
			wantWays: []string{"id", "phone_number", "username", "email", "user_phone_number", "notification_messages_token"}, linked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.r.Validate("recipient"), tt.wantErr)
			if got := tt.r.Ways(); !slices.Equal(got, tt.wantWays) {
				t.Errorf("Ways() = %q, want %q", got, tt.wantWays)
			}
			if got := tt.r.Linked(); got != tt.linked {
				t.Errorf("Linked() = %v, want %v", got, tt.linked)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	const field = "recipient.phone_number"
	notValid := func(number string) *wantErr {
		return &wantErr{core.KindBadRecipient, field, field + ": " + quoteGo(number) + " is not a valid phone number"}
	}
	needsCode := func(number string) *wantErr {
		return &wantErr{core.KindBadRecipient, field, field + ": " + quoteGo(number) +
			" needs the plus sign and country code (+8618900001111), or country.phone_code"}
	}
	badCode := func(code string) *wantErr {
		return &wantErr{core.KindBadRecipient, field, field + ": country phone code " + quoteGo(code) + " is not a number"}
	}
	tests := []struct {
		number, code string
		want         string
		wantErr      *wantErr
	}{
		// International with +.
		{"+8618900001111", "", "+8618900001111", nil},
		{"+86 189 0000 1111", "", "+8618900001111", nil},
		{"+86-189-0000-1111", "", "+8618900001111", nil},
		{"+86 (189) 0000.1111", "", "+8618900001111", nil},
		{"  +1 (415) 555-0100  ", "", "+14155550100", nil},
		{"+44 20 7946 0958", "86", "+442079460958", nil}, // a code never overrides an international number
		// International with 00.
		{"008618900001111", "", "+8618900001111", nil},
		{"0086 189-0000-1111", "", "+8618900001111", nil},
		{"00 44 (20) 7946.0958", "1", "+442079460958", nil},
		// National with a country code.
		{"18900001111", "86", "+8618900001111", nil},
		{"18900001111", "+86", "+8618900001111", nil},
		{"18900001111", " +86 ", "+8618900001111", nil},
		{"018900001111", "+86", "+8618900001111", nil},
		{"0 189 0000 1111", "86", "+8618900001111", nil},
		{"(020) 7946-0958", "44", "+442079460958", nil},
		{"020.7946.0958", "+44", "+442079460958", nil},
		{"4155550100", "1", "+14155550100", nil},
		// Length: 7 to 15 digits after the plus.
		{"+1234567", "", "+1234567", nil},
		{"+123456789012345", "", "+123456789012345", nil},
		{"+123456", "", "", notValid("+123456")},
		{"+1234567890123456", "", "", notValid("+1234567890123456")},
		{"189", "86", "", notValid("189")},
		{"", "86", "", notValid("")},
		{"00", "", "", notValid("00")},
		{"+", "", "", notValid("+")},
		// Letters and other junk.
		{"+86abc00001111", "", "", notValid("+86abc00001111")},
		{"+86 189 0000 111x", "", "", notValid("+86 189 0000 111x")},
		{"1890000ABCD", "86", "", notValid("1890000ABCD")},
		{"++8618900001111", "", "", notValid("++8618900001111")},
		{"+08618900001111", "", "", notValid("+08618900001111")},
		{"00086189000011", "", "", notValid("00086189000011")},
		{"+86\t18900001111", "", "", notValid("+86\t18900001111")},
		{"+８６18900001111", "", "", notValid("+８６18900001111")},
		// No country code for a national number.
		{"18900001111", "", "", needsCode("18900001111")},
		{"8618900001111", "", "", needsCode("8618900001111")},
		{"", "", "", needsCode("")},
		{"18900001111", "  ", "", badCode("  ")},
		{"18900001111", "abc", "", badCode("abc")},
		{"18900001111", "+", "", badCode("+")},
		{"18900001111", "86a", "", badCode("86a")},
	}
	for _, tt := range tests {
		t.Run(tt.number+"|"+tt.code, func(t *testing.T) {
			got, err := core.NormalizePhone(tt.number, tt.code, field)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Fatalf("NormalizePhone(%q, %q) = %q, want %q", tt.number, tt.code, got, tt.want)
			}
		})
	}
}

// quoteGo quotes s as %q does, which is how core names values in messages.
func quoteGo(s string) string { return strconv.Quote(s) }
