package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// blocksCmd keeps blocks in files, so message content can live in git.
type blocksCmd struct {
	adminClient
	Push   blocksPushCmd   `cmd:"" help:"Save blocks from a JSON or YAML file, or every such file in a directory."`
	Pull   blocksPullCmd   `cmd:"" help:"Write each of a bot's blocks to DIR/NAME.json."`
	List   blocksListCmd   `cmd:"" help:"List a bot's blocks."`
	Render blocksRenderCmd `cmd:"" help:"Print the exact Graph bodies a send of a block to a user would make, sending nothing."`
}

// blockFile is a block as files hold it; a file holds one block or a list.
type blockFile struct {
	Name  string            `json:"name" yaml:"name"`
	Cards []json.RawMessage `json:"cards" yaml:"-"`
}

type blocksPushCmd struct {
	Bot  string `required:"" help:"Bot id."`
	Path string `arg:"" type:"path" help:"A .json, .yaml or .yml file, or a directory of them."`
}

func (c *blocksPushCmd) Run(e *env, b *blocksCmd) error {
	files, err := blockFiles(c.Path)
	if err != nil {
		return err
	}
	var failed []string
	for _, file := range files {
		blocks, err := readBlocks(file)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for i, blk := range blocks {
			if blk.Name == "" {
				fmt.Fprintf(e.stderr, "%s: block %d has no name\n", file, i+1)
				failed = append(failed, fmt.Sprintf("%s#%d", filepath.Base(file), i+1))
				continue
			}
			data, err := b.do(e, http.MethodPut, "/admin/v1/bots/"+url.PathEscape(c.Bot)+"/blocks/"+url.PathEscape(blk.Name),
				map[string]any{"cards": blk.Cards})
			if err != nil {
				fmt.Fprintf(e.stderr, "%s: block %q: %v\n", file, blk.Name, err)
				failed = append(failed, blk.Name)
				continue
			}
			var saved struct{ Version int }
			_ = json.Unmarshal(data, &saved)
			fmt.Fprintf(e.stdout, "%s: saved as version %d\n", blk.Name, saved.Version)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d blocks not saved: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// blockFiles lists path, or the JSON and YAML files in it, by name.
func blockFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	for _, pattern := range []string{"*.json", "*.yaml", "*.yml"} {
		found, _ := filepath.Glob(filepath.Join(path, pattern))
		files = append(files, found...)
	}
	slices.Sort(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no .json, .yaml or .yml files", path)
	}
	return files, nil
}

// readBlocks reads one block or a list of blocks, as JSON or YAML.
func readBlocks(file string) ([]blockFile, error) { return readFileList[blockFile](file) }

// readFileList reads one T or a list of them from a JSON or YAML file: the
// format `blocks` and `templates` push and pull share.
func readFileList[T any](file string) ([]T, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if ext := filepath.Ext(file); ext == ".yaml" || ext == ".yml" {
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		if data, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("not representable as JSON: %w", err)
		}
	}
	data = []byte(strings.TrimSpace(string(data)))
	var list []T
	if len(data) > 0 && data[0] == '[' {
		err = json.Unmarshal(data, &list)
	} else {
		var one T
		err = json.Unmarshal(data, &one)
		list = append(list, one)
	}
	return list, err
}

type blocksPullCmd struct {
	Bot string `required:"" help:"Bot id."`
	Dir string `arg:"" type:"path" help:"Directory to write NAME.json files into (created if needed)."`
}

func (c *blocksPullCmd) Run(e *env, b *blocksCmd) error {
	data, err := b.do(e, http.MethodGet, "/admin/v1/bots/"+url.PathEscape(c.Bot)+"/blocks", nil)
	if err != nil {
		return err
	}
	var list struct {
		Blocks []blockFile `json:"blocks"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	used := map[string]bool{}
	for _, blk := range list.Blocks {
		if len(blk.Cards) == 0 {
			continue // a system block never edited
		}
		out, err := json.MarshalIndent(blk, "", "  ")
		if err != nil {
			return err
		}
		// Names that differ only where fileName changes them ("a b", "a_b")
		// get numbered files: the name itself is inside each file.
		base := fileName(blk.Name)
		name := base
		for n := 2; used[name]; n++ {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		used[name] = true
		file := filepath.Join(c.Dir, name+".json")
		if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", blk.Name, file)
	}
	return nil
}

// fileName makes a block name safe as a file name; the name itself is in the file.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, name)
}

type blocksListCmd struct {
	Bot string `required:"" help:"Bot id."`
}

func (c *blocksListCmd) Run(e *env, b *blocksCmd) error {
	return b.list(e, "/admin/v1/bots/"+url.PathEscape(c.Bot)+"/blocks", "blocks",
		[]column{{"NAME", "name"}, {"VERSION", "version"}, {"SYSTEM", "system"}, {"DELETED", "deleted"}, {"SAVED", "created_at"}})
}

type blocksRenderCmd struct {
	Name          string   `arg:"" help:"Block name."`
	Bot           string   `required:"" help:"Bot id."`
	Contact       string   `required:"" help:"The user (PSID) to render for: their stored parameters and profile fill placeholders."`
	Param         []string `sep:"none" help:"A parameter as KEY=VALUE (repeatable); overrides the user's stored one."`
	MessagingType string   `default:"RESPONSE" help:"RESPONSE, UPDATE or MESSAGE_TAG."`
	MessageTag    string   `help:"The tag, with MESSAGE_TAG."`
}

func (c *blocksRenderCmd) Run(e *env, b *blocksCmd) error {
	params := map[string]string{}
	for _, p := range c.Param {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return errors.New("--param wants KEY=VALUE, got " + p)
		}
		params[k] = v
	}
	data, err := b.do(e, http.MethodPost, "/admin/v1/bots/"+url.PathEscape(c.Bot)+"/blocks/"+url.PathEscape(c.Name)+"/render",
		map[string]any{"psid": c.Contact, "params": params, "messaging_type": c.MessagingType, "message_tag": c.MessageTag})
	if err != nil {
		return err
	}
	var out struct {
		Bodies []json.RawMessage `json:"bodies"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return err
	}
	for _, body := range out.Bodies {
		fmt.Fprintln(e.stdout, string(body))
	}
	return nil
}
