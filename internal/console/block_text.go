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
// cards[1].attachment.payload.buttons[0].title points at (the nearest
// line it can follow the path to), 0 when the text does not parse.
func fieldLine(text, field string) int {
	var doc yaml.Node
	if field == "" || yaml.Unmarshal([]byte(text), &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n, line := doc.Content[0], 0
	for _, p := range pathPart.FindAllStringSubmatch(field, -1) {
		if n = child(n, p[1]); n == nil {
			return line
		}
		line = n.Line
		if p[2] != "" {
			i, _ := strconv.Atoi(p[2])
			if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return line
			}
			n, line = n.Content[i], n.Content[i].Line
		}
	}
	return line
}

// child is the value of key in a mapping node, nil when absent.
func child(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == key {
			return n.Content[k+1]
		}
	}
	return nil
}
