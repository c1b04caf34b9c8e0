package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// broadcastsCmd sends one message to an audience and follows it, through
// the admin API (docs/broadcasts.md).
type broadcastsCmd struct {
	adminClient
	Create     broadcastsCreateCmd     `cmd:"" help:"Create a broadcast from a JSON or YAML file (the body of POST /v1/broadcasts); --dry-run counts its audience only; --draft saves it unsent."`
	Edit       broadcastsEditCmd       `cmd:"" help:"Replace a draft with the broadcast in a JSON or YAML file (as create takes it)."`
	Schedule   broadcastsScheduleCmd   `cmd:"" help:"Schedule a draft: checked again, then it sends on its own schedule."`
	Delete     broadcastsDeleteCmd     `cmd:"" help:"Delete a draft (only a draft; cancel any other broadcast)."`
	List       broadcastsListCmd       `cmd:"" help:"List a bot's broadcasts, newest first."`
	Show       broadcastsShowCmd       `cmd:"" help:"Show a broadcast: state, counts, skips and failures by reason, recipients per UTC hour, finish estimate."`
	Pause      broadcastsPauseCmd      `cmd:"" help:"Pause a broadcast: no new sends within a second."`
	Resume     broadcastsResumeCmd     `cmd:"" help:"Resume a paused broadcast where it stopped."`
	Cancel     broadcastsCancelCmd     `cmd:"" help:"Cancel a broadcast for good."`
	Recipients broadcastsRecipientsCmd `cmd:"" help:"List a broadcast's recipients with their state and reason, or export them all as CSV."`
}

// broadcastsPath is a bot's broadcasts in the admin API, with more path.
func broadcastsPath(bot string, more ...string) string {
	p := "/admin/v1/bots/" + url.PathEscape(bot) + "/broadcasts"
	for _, m := range more {
		p += "/" + url.PathEscape(m)
	}
	return p
}

type broadcastsCreateCmd struct {
	Bot    string `required:"" help:"Bot id."`
	File   string `arg:"" type:"existingfile" help:"A .json, .yaml or .yml file holding the broadcast."`
	DryRun bool   `name:"dry-run" help:"Count the audience and the skips by reason; store nothing, send nothing."`
	Draft  bool   `help:"Save it as a draft: nothing is sent until 'broadcasts schedule'."`
}

func (c *broadcastsCreateCmd) Run(e *env, b *broadcastsCmd) error {
	if c.DryRun && c.Draft {
		return fmt.Errorf("--dry-run stores nothing and --draft stores a draft: give one")
	}
	body, err := readBroadcastFile(c.File)
	if err != nil {
		return err
	}
	if c.DryRun {
		body["dry_run"] = true
	}
	if c.Draft {
		body["draft"] = true
	}
	data, err := b.do(e, http.MethodPost, broadcastsPath(c.Bot), body)
	if err != nil {
		return err
	}
	if b.jsonOut() {
		return printJSON(e, data)
	}
	return printBroadcast(e, data)
}

// readBroadcastFile reads the one broadcast a file holds.
func readBroadcastFile(file string) (map[string]any, error) {
	list, err := readFileList[map[string]any](file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(list) != 1 || list[0] == nil {
		return nil, fmt.Errorf("%s: holds %d broadcasts; a file holds one JSON object", file, len(list))
	}
	return list[0], nil
}

type broadcastsEditCmd struct {
	Bot  string `required:"" help:"Bot id."`
	ID   string `arg:"" help:"The draft's id."`
	File string `arg:"" type:"existingfile" help:"A .json, .yaml or .yml file holding the whole new broadcast (it replaces the draft's)."`
}

func (c *broadcastsEditCmd) Run(e *env, b *broadcastsCmd) error {
	body, err := readBroadcastFile(c.File)
	if err != nil {
		return err
	}
	data, err := b.do(e, http.MethodPut, broadcastsPath(c.Bot, c.ID), body)
	if err != nil {
		return err
	}
	if b.jsonOut() {
		return printJSON(e, data)
	}
	return printBroadcast(e, data)
}

type broadcastsScheduleCmd broadcastsShowCmd

func (c *broadcastsScheduleCmd) Run(e *env, b *broadcastsCmd) error {
	return b.change(e, http.MethodPost, broadcastsPath(c.Bot, c.ID, "schedule"))
}

type broadcastsDeleteCmd broadcastsShowCmd

func (c *broadcastsDeleteCmd) Run(e *env, b *broadcastsCmd) error {
	if _, err := b.do(e, http.MethodDelete, broadcastsPath(c.Bot, c.ID), nil); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted %s\n", c.ID)
	return nil
}

type broadcastsListCmd struct {
	Bot    string `required:"" help:"Bot id."`
	Limit  int    `help:"At most this many (1-500; the server's default is 100)."`
	Cursor string `help:"The next page, as the last listing said."`
}

func (c *broadcastsListCmd) Run(e *env, b *broadcastsCmd) error {
	q := url.Values{}
	if c.Limit != 0 {
		q.Set("limit", strconv.Itoa(c.Limit))
	}
	if c.Cursor != "" {
		q.Set("cursor", c.Cursor)
	}
	return b.list(e, broadcastsPath(c.Bot)+"?"+q.Encode(), "broadcasts", []column{{"ID", "id"}, {"NAME", "name"}, {"CHANNEL", "channel"},
		{"STATE", "state"}, {"TARGETED", "counts.targeted"}, {"SENT", "counts.sent"}, {"FAILED", "counts.failed"},
		{"SKIPPED", "counts.skipped"}, {"CREATED", "created_at"}})
}

type broadcastsShowCmd struct {
	Bot string `required:"" help:"Bot id."`
	ID  string `arg:"" help:"Broadcast id."`
}

func (c *broadcastsShowCmd) Run(e *env, b *broadcastsCmd) error {
	return b.change(e, http.MethodGet, broadcastsPath(c.Bot, c.ID))
}

type broadcastsPauseCmd broadcastsShowCmd

func (c *broadcastsPauseCmd) Run(e *env, b *broadcastsCmd) error {
	return b.change(e, http.MethodPost, broadcastsPath(c.Bot, c.ID, "pause"))
}

type broadcastsResumeCmd broadcastsShowCmd

func (c *broadcastsResumeCmd) Run(e *env, b *broadcastsCmd) error {
	return b.change(e, http.MethodPost, broadcastsPath(c.Bot, c.ID, "resume"))
}

type broadcastsCancelCmd broadcastsShowCmd

func (c *broadcastsCancelCmd) Run(e *env, b *broadcastsCmd) error {
	return b.change(e, http.MethodPost, broadcastsPath(c.Bot, c.ID, "cancel"))
}

// change sends a request answered by a broadcast and prints it.
func (b *broadcastsCmd) change(e *env, method, path string) error {
	data, err := b.do(e, method, path, nil)
	if err != nil {
		return err
	}
	if b.jsonOut() {
		return printJSON(e, data)
	}
	return printBroadcast(e, data)
}

func (b *broadcastsCmd) jsonOut() bool { return b.JSON || b.Output == "json" }

type broadcastsRecipientsCmd struct {
	Bot    string `required:"" help:"Bot id."`
	ID     string `arg:"" help:"Broadcast id."`
	State  string `help:"Only recipients in this state: scheduled, queued, sent, delivered, read, failed or skipped."`
	Reason string `help:"Only recipients skipped or failed for this reason."`
	CSV    bool   `name:"csv" help:"Print every matching recipient (from --cursor on) as CSV: recipient,state,scheduled_at,message_id,reason."`
	Limit  int    `help:"At most this many (1-500; the server's default is 100)."`
	Cursor string `help:"The next page, as the last listing said."`
}

func (c *broadcastsRecipientsCmd) Run(e *env, b *broadcastsCmd) error {
	q := url.Values{}
	for k, v := range map[string]string{"state": c.State, "reason": c.Reason, "cursor": c.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if c.Limit != 0 {
		q.Set("limit", strconv.Itoa(c.Limit))
	}
	path := broadcastsPath(c.Bot, c.ID, "recipients")
	if c.CSV {
		return b.exportCSV(e, path, q)
	}
	return b.list(e, path+"?"+q.Encode(), "recipients", []column{{"RECIPIENT", "recipient"}, {"STATE", "state"},
		{"SCHEDULED", "scheduled_at"}, {"MESSAGE", "message_id"}, {"REASON", "reason"}})
}

// exportCSV prints every matching recipient as CSV, following the pages
// from the one q names (its cursor, if any) to the last.
func (b *broadcastsCmd) exportCSV(e *env, path string, q url.Values) error {
	out := csv.NewWriter(e.stdout)
	_ = out.Write([]string{"recipient", "state", "scheduled_at", "message_id", "reason"})
	if q.Get("limit") == "" {
		q.Set("limit", "500")
	}
	for {
		data, err := b.do(e, http.MethodGet, path+"?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		var page struct {
			Recipients []struct {
				Recipient   string `json:"recipient"`
				State       string `json:"state"`
				ScheduledAt string `json:"scheduled_at"`
				MessageID   string `json:"message_id"`
				Reason      string `json:"reason"`
			} `json:"recipients"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return fmt.Errorf("the answer is not a page of recipients: %w", err)
		}
		for _, r := range page.Recipients {
			_ = out.Write([]string{r.Recipient, r.State, r.ScheduledAt, r.MessageID, r.Reason})
		}
		if out.Flush(); out.Error() != nil || page.Next == "" {
			return out.Error()
		}
		q.Set("cursor", page.Next)
	}
}

// shownBroadcast is what show prints of a broadcast (or a dry run).
type shownBroadcast struct {
	ID                string           `json:"id"`
	Name              string           `json:"name"`
	Channel           string           `json:"channel"`
	State             string           `json:"state"`
	DryRun            bool             `json:"dry_run"`
	Counts            map[string]int64 `json:"counts"`
	SkippedByReason   map[string]int64 `json:"skipped_by_reason"`
	FailedByReason    map[string]int64 `json:"failed_by_reason"`
	EstimatedFinishAt string           `json:"estimated_finish_at"`
	Hours             []struct {
		Hour       string `json:"hour"`
		Recipients int64  `json:"recipients"`
	} `json:"hours"`
	CreatedAt  string `json:"created_at"`
	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at"`
}

// countNames are the counts in the order a broadcast goes through them.
var countNames = []string{"targeted", "scheduled", "queued", "sent", "delivered", "read", "failed", "skipped"}

// printBroadcast prints a broadcast for people: one line of what it is,
// its counts, the reasons and the recipients per UTC hour.
func printBroadcast(e *env, data []byte) error {
	var b shownBroadcast
	if err := json.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("the answer is not a broadcast: %w", err)
	}
	if b.DryRun || b.ID == "" {
		fmt.Fprintf(e.stdout, "dry run (%s): nothing stored, nothing sent\n", b.Channel)
		b.CreatedAt = ""
	} else {
		fmt.Fprintf(e.stdout, "%s  %s  %s  %s\n", b.ID, b.Name, b.Channel, b.State)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, k := range []struct{ label, at string }{{"created", b.CreatedAt}, {"started", b.StartedAt},
		{"finished", b.FinishedAt}, {"estimated finish", b.EstimatedFinishAt}} {
		if k.at != "" {
			fmt.Fprintf(w, "%s:\t%s\n", k.label, k.at)
		}
	}
	var counts []string
	for _, name := range countNames {
		counts = append(counts, fmt.Sprintf("%s %d", name, b.Counts[name]))
	}
	fmt.Fprintf(w, "counts:\t%s\n", strings.Join(counts, ", "))
	for _, r := range []struct {
		label string
		by    map[string]int64
	}{{"skipped", b.SkippedByReason}, {"failed", b.FailedByReason}} {
		for _, reason := range slices.Sorted(maps.Keys(r.by)) {
			fmt.Fprintf(w, "%s:\t%s %d\n", r.label, reason, r.by[reason])
		}
	}
	for _, h := range b.Hours {
		fmt.Fprintf(w, "at %s:\t%d recipients\n", h.Hour, h.Recipients)
	}
	return w.Flush()
}
