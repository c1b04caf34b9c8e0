package console

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/botgate/botgate/internal/api"
	"github.com/botgate/botgate/internal/core"
)

// A block is edited as text in the format `botgate blocks push` reads: one
// object with "name" and "cards", in JSON or YAML.

// blockText writes a block as the editor shows it (JSON, as `blocks pull` writes).
func blockText(name string, cards []core.Message) string {
	if cards == nil {
		cards = []core.Message{}
	}
	data, _ := json.MarshalIndent(struct {
		Name  string         `json:"name"`
		Cards []core.Message `json:"cards"`
	}{name, cards}, "", "  ")
	return string(data)
}

// parseBlockText reads the editor's text. Its errors are core errors
// naming the field (or the line, for text that is not JSON or YAML).
func parseBlockText(text string) (string, []core.Message, error) {
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return "", nil, core.Errorf(core.KindInvalid, "not JSON or YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if _, ok := v.(map[string]any); !ok {
		return "", nil, core.Errorf(core.KindInvalid, `the text must be one object with "name" and "cards"`)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", nil, core.Errorf(core.KindInvalid, "not representable as JSON: %v", err)
	}
	var b struct {
		Name  string         `json:"name"`
		Cards []core.Message `json:"cards"`
	}
	if err := api.DecodeJSON(data, &b); err != nil {
		return "", nil, err
	}
	return b.Name, b.Cards, nil
}

var pathPart = regexp.MustCompile(`([A-Za-z_]+)(?:\[(\d+)\])?`)

// fieldLine finds the line of the text a field path such as
// cards[1].attachment.payload.buttons[0].title points at, 0 when it cannot
// tell: each key is looked for after the previous one, an index skipping
// that many elements' first keys.
func fieldLine(text, field string) int {
	if field == "" {
		return 0
	}
	parts := pathPart.FindAllStringSubmatch(field, -1)
	pos := 0
	for i, p := range parts {
		at := keyAt(text, p[1], pos)
		if at < 0 {
			return 0
		}
		pos = at + len(p[1])
		if p[2] != "" && i+1 < len(parts) {
			n, _ := strconv.Atoi(p[2])
			for range n { // skip to the n-th element: past n occurrences of its first key
				next := keyAt(text, parts[i+1][1], pos)
				if next < 0 {
					return 0
				}
				pos = next + 1
			}
		}
	}
	return strings.Count(text[:pos], "\n") + 1
}

// keyAt is where key appears as a JSON or YAML key from pos on, -1 if nowhere.
func keyAt(text, key string, pos int) int {
	best := -1
	for _, pat := range []string{`"` + key + `"`, key + ":"} {
		if i := strings.Index(text[pos:], pat); i >= 0 && (best < 0 || pos+i < best) {
			best = pos + i
		}
	}
	return best
}
