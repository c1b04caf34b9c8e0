package core

import (
	"fmt"
	"slices"
	"time"
)

// Block is a named, versioned list of cards a merchant keeps in botgate and
// sends by name with parameters, so wording changes need no deploy.
type Block struct {
	BotID     string    `json:"bot_id"`
	Name      string    `json:"name"`
	Version   int       `json:"version"` // 0 for a system block never saved
	Cards     []Message `json:"cards"`
	System    bool      `json:"system"`
	Deleted   bool      `json:"deleted,omitempty"` // this version deleted the block
	CreatedAt time.Time `json:"created_at"`        // when this version was saved
}

// SystemBlocks are the blocks every bot has (seed 000: welcome settings,
// greeting, system menu, default answer). They are edited like others but
// cannot be sent through the API or referenced by a block button.
var SystemBlocks = []string{"welcome", "greeting", "menu", "default_answer"}

// IsSystemBlock reports whether name is a system block.
func IsSystemBlock(name string) bool { return slices.Contains(SystemBlocks, name) }

// MaxBlockCards bounds a block: each card is one Messenger message.
const MaxBlockCards = 10

// ValidateBlock checks a block before it is saved: its name, 1 to
// MaxBlockCards cards each valid as a Messenger message, and block buttons
// that name no system block. Placeholders stay unfilled here; they are
// checked again, filled, when the block is sent.
func ValidateBlock(name string, cards []Message) error {
	if err := ValidateName("name", name); err != nil {
		return err
	}
	if len(cards) == 0 || len(cards) > MaxBlockCards {
		return Invalid("cards", "has %d cards; a block holds 1 to %d", len(cards), MaxBlockCards)
	}
	for i := range cards {
		path := fmt.Sprintf("cards[%d]", i)
		Normalize(&cards[i])
		if err := ValidateMessage(&cards[i], path); err != nil {
			return err
		}
		if err := checkBlockButtons(cards[i], path); err != nil {
			return err
		}
	}
	return nil
}

// checkBlockButtons refuses block buttons naming a system block.
func checkBlockButtons(m Message, path string) error {
	for _, b := range BlockButtons(m, path) {
		if IsSystemBlock(b.Block) {
			return Invalid(b.Path, "%q is a system block, which buttons cannot open", b.Block)
		}
	}
	return nil
}

// BlockButton is a block button of a message: the block it opens and the
// path of its block_name field.
type BlockButton struct{ Path, Block string }

// BlockButtons lists m's block buttons, in order, with their paths below path.
func BlockButtons(m Message, path string) []BlockButton {
	if m.Attachment == nil {
		return nil
	}
	var out []BlockButton
	add := func(buttons []Button, at string) {
		for i, b := range buttons {
			if b.Type == "block" {
				out = append(out, BlockButton{Path: fmt.Sprintf("%s[%d].block_name", at, i), Block: b.BlockName})
			}
		}
	}
	p := m.Attachment.Payload
	add(p.Buttons, path+".attachment.payload.buttons")
	for i, e := range p.Elements {
		add(e.Buttons, fmt.Sprintf("%s.attachment.payload.elements[%d].buttons", path, i))
	}
	return out
}

// CardPath is the path of a request's card i, as its errors name it.
func (r *SendRequest) CardPath(f Fields, i int) string { return r.cardPath(f, i) }

// Links are a user's linked accounts: each resolves to the user's PSID.
const (
	LinkUsername        = "username"
	LinkEmail           = "email"
	LinkUserPhoneNumber = "user_phone_number"
)

// Link ties a merchant's account name for a user to the user's PSID.
type Link struct {
	BotID     string    `json:"bot_id"`
	Kind      string    `json:"kind"` // username, email or user_phone_number
	Value     string    `json:"value"`
	PSID      string    `json:"psid"`
	CreatedAt time.Time `json:"created_at"`
}

// LinkOf returns the link a linked-account recipient names.
func (r Recipient) LinkOf() (kind, value string) {
	switch {
	case r.Username != "":
		return LinkUsername, r.Username
	case r.Email != "":
		return LinkEmail, r.Email
	case r.UserPhoneNumber != "":
		return LinkUserPhoneNumber, r.UserPhoneNumber
	}
	return "", ""
}
