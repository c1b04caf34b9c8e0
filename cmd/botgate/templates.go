package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// templatesCmd keeps a WhatsApp number's message templates in files, like
// blocks: push submits them for review, pull writes the copy botgate keeps.
type templatesCmd struct {
	adminClient
	Push templatesPushCmd `cmd:"" help:"Submit templates from a JSON or YAML file, or every such file in a directory, for review."`
	Pull templatesPullCmd `cmd:"" help:"Write each template of the bot's WhatsApp account to DIR/NAME.LANGUAGE.json."`
	List templatesListCmd `cmd:"" help:"List the bot's WhatsApp templates with their status."`
	Sync templatesSyncCmd `cmd:"" help:"Refresh botgate's copy of the templates from WhatsApp now."`
}

func templatesPath(bot string) string {
	return "/admin/v1/bots/" + url.PathEscape(bot) + "/whatsapp/templates"
}

// templateFile is what push submits of a file's template; what pull also
// writes (id, status, quality, reason) is left behind.
type templateFile struct {
	Name            string          `json:"name"`
	Language        string          `json:"language"`
	Category        string          `json:"category"`
	ParameterFormat string          `json:"parameter_format,omitempty"`
	Components      json.RawMessage `json:"components"`
}

type templatesPushCmd struct {
	Bot  string `required:"" help:"Bot id."`
	Path string `arg:"" type:"path" help:"A .json, .yaml or .yml file, or a directory of them."`
}

func (c *templatesPushCmd) Run(e *env, t *templatesCmd) error {
	files, err := blockFiles(c.Path)
	if err != nil {
		return err
	}
	var failed []string
	for _, file := range files {
		list, err := readTemplates(file)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for _, tpl := range list {
			data, err := t.do(e, http.MethodPost, templatesPath(c.Bot), tpl)
			if err != nil {
				fmt.Fprintf(e.stderr, "%s: template %q (%s): %v\n", file, tpl.Name, tpl.Language, err)
				failed = append(failed, tpl.Name)
				continue
			}
			var out struct{ Status, Category string }
			_ = json.Unmarshal(data, &out)
			fmt.Fprintf(e.stdout, "%s (%s): %s, %s\n", tpl.Name, tpl.Language, out.Status, out.Category)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d templates not submitted: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// readTemplates reads one template or a list, as JSON or YAML.
func readTemplates(file string) ([]templateFile, error) { return readFileList[templateFile](file) }

type templatesPullCmd struct {
	Bot string `required:"" help:"Bot id."`
	Dir string `arg:"" type:"path" help:"Directory to write NAME.LANGUAGE.json files into (created if needed)."`
}

func (c *templatesPullCmd) Run(e *env, t *templatesCmd) error {
	data, err := t.do(e, http.MethodGet, templatesPath(c.Bot), nil)
	if err != nil {
		return err
	}
	var list struct {
		Templates []map[string]any `json:"templates"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	for _, tpl := range list.Templates {
		delete(tpl, "updated_at") // a file changes when the template does
		out, err := json.MarshalIndent(tpl, "", "  ")
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s.%s.json", tpl["name"], tpl["language"])
		file := filepath.Join(c.Dir, fileName(name))
		if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s (%s): %s\n", tpl["name"], tpl["language"], file)
	}
	return nil
}

type templatesListCmd struct {
	Bot string `required:"" help:"Bot id."`
}

func (c *templatesListCmd) Run(e *env, t *templatesCmd) error {
	return t.call(e, http.MethodGet, templatesPath(c.Bot), nil)
}

type templatesSyncCmd struct {
	Bot string `required:"" help:"Bot id."`
}

func (c *templatesSyncCmd) Run(e *env, t *templatesCmd) error {
	return t.call(e, http.MethodPost, templatesPath(c.Bot)+"/sync", nil)
}
