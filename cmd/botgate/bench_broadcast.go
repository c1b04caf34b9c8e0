package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// benchBroadcast measures a broadcast of Broadcast recipients into the fake
// Graph beside its baseline in the same run: the same number of plain async
// sends through the Bothub face, each in a fresh botgate process on a fresh
// database, so both peak RSS figures are the run's own. Then, with
// BroadcastExpand set, a broadcast of that many recipients is expanded by a
// botgate that does not send (--send-workers 0), to show the expansion's
// peak RSS.
func (b *benchRun) benchBroadcast(kind, fakeURL, baseURL string) error {
	out := b.e.stdout
	n := b.cmd.Broadcast

	// The baseline: n async sends, accepted as fast as 32 clients go.
	dsn, cleanup, err := b.database(kind, "bcastbase")
	if err != nil {
		return err
	}
	defer cleanup()
	gw, gwURL, err := b.gateway(kind+"-bcast-base", dsn, fakeURL)
	if err != nil {
		return err
	}
	key, err := b.setup(gwURL, fakeURL, baseURL+"/callbacks")
	if err != nil {
		gw.stop()
		return err
	}
	messages := b.cmd.Messages
	b.cmd.Messages = n
	base, err := b.endToEnd(gwURL+"/api", key, fakeURL, baseURL)
	b.cmd.Messages = messages
	baseRSS, rssErr := peakRSS(gw.cmd.Process.Pid)
	gw.stop()
	if err != nil {
		return err
	}
	if rssErr != nil {
		return rssErr
	}
	fmt.Fprintf(out, "baseline: %d plain async sends (Bothub face, 32 clients) sent to the fake Graph at %.0f messages/s; peak RSS %.1f MB\n",
		n, base.sent, float64(baseRSS)/1e6)

	dsn, cleanup2, err := b.database(kind, "bcast")
	if err != nil {
		return err
	}
	defer cleanup2()
	if gw, gwURL, err = b.gateway(kind+"-bcast", dsn, fakeURL); err != nil {
		return err
	}
	defer gw.stop()
	if key, err = b.setup(gwURL, fakeURL, baseURL+"/callbacks"); err != nil {
		return err
	}
	upload, err := benchUpload(gwURL, key, n, "77")
	if err != nil {
		return err
	}
	sent0, err := fakeCount(fakeURL)
	if err != nil {
		return err
	}
	start := time.Now()
	id, err := benchCreateBroadcast(gwURL, key, upload)
	if err != nil {
		return err
	}
	if err := waitFor(fakeURL+"/_fake/sends/count", sent0+1, 10*time.Minute); err != nil {
		return err
	}
	first := time.Since(start)
	if err := waitFor(fakeURL+"/_fake/sends/count", sent0+n, 30*time.Minute); err != nil {
		return err
	}
	took := time.Since(start)
	rss, err := peakRSS(gw.cmd.Process.Pid)
	if err != nil {
		return err
	}
	state, counts, err := benchBroadcastState(gwURL, key, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "broadcast: %d recipients (uploaded list) sent to the fake Graph at %.0f messages/s = %.0f%% of the baseline; first send %v after the create; peak RSS %.1f MB; then %s %v\n",
		n, float64(n)/took.Seconds(), 100*float64(n)/took.Seconds()/base.sent, first.Round(time.Millisecond), float64(rss)/1e6, state, counts)
	return nil
}

// broadcasts runs the broadcast scenarios asked for.
func (b *benchRun) broadcasts(kind, fakeURL, baseURL string) error {
	if b.cmd.Broadcast > 0 {
		if err := b.benchBroadcast(kind, fakeURL, baseURL); err != nil {
			return err
		}
	}
	if b.cmd.BroadcastExpand > 0 {
		return b.benchExpand(kind, fakeURL, baseURL)
	}
	return nil
}

// benchExpand expands a broadcast of BroadcastExpand recipients while the
// fake Graph holds every send for a minute, so its messages pile up queued
// instead of leaving, and reads the process's peak RSS once every
// recipient is targeted (expanded into the broadcast's recipient rows).
func (b *benchRun) benchExpand(kind, fakeURL, baseURL string) error {
	n := b.cmd.BroadcastExpand
	dsn, cleanup, err := b.database(kind, "bcastexpand")
	if err != nil {
		return err
	}
	defer cleanup()
	gw, gwURL, err := b.gateway(kind+"-bcast-expand", dsn, fakeURL)
	if err != nil {
		return err
	}
	defer gw.stop()
	key, err := b.setup(gwURL, fakeURL, baseURL+"/callbacks")
	if err != nil {
		return err
	}
	began := time.Now()
	upload, err := benchUpload(gwURL, key, n, "66")
	if err != nil {
		return err
	}
	uploaded := time.Since(began)
	if err := fakeRules(fakeURL, `{"latency_ms":60000}`); err != nil {
		return err
	}
	defer fakeRules(fakeURL, `{"latency_ms":0}`)
	start := time.Now()
	id, err := benchCreateBroadcast(gwURL, key, upload)
	if err != nil {
		return err
	}
	var counts map[string]int64
	var state string
	var targeted time.Duration
	for deadline := time.Now().Add(60 * time.Minute); ; time.Sleep(time.Second) {
		if state, counts, err = benchBroadcastState(gwURL, key, id); err != nil {
			return err
		}
		if counts["targeted"] >= int64(n) {
			targeted = time.Since(start)
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the expansion of %d recipients did not finish in an hour: %s %v", n, state, counts)
		}
	}
	rss, err := peakRSS(gw.cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.e.stdout, "expansion: %d recipients uploaded in %v; all targeted (expanded) %v after the create (%.0f recipients/s), %d of them handed to the gateway by then while the fake Graph held every send; peak RSS %.1f MB (target < 250 MB); %s %v\n",
		n, uploaded.Round(time.Second), targeted.Round(time.Second), float64(n)/targeted.Seconds(), counts["queued"], float64(rss)/1e6, state, counts)
	return nil
}

// benchUpload uploads n PSIDs (prefix and a counter) as a CSV list,
// generated as it is sent.
func benchUpload(gwURL, key string, n int, prefix string) (string, error) {
	pr, pw := io.Pipe()
	go func() {
		var buf bytes.Buffer
		buf.WriteString("psid,code\n")
		for i := range n {
			fmt.Fprintf(&buf, "%s%013d,C%d\n", prefix, i, i)
			if buf.Len() > 64<<10 {
				if _, err := pw.Write(buf.Bytes()); err != nil {
					return
				}
				buf.Reset()
			}
		}
		_, _ = pw.Write(buf.Bytes())
		pw.Close()
	}()
	var up struct {
		ID      string
		Rows    int
		Refused []any
	}
	if err := v1Do(http.MethodPost, gwURL+"/v1/broadcasts/audience", key, "text/csv", pr, http.StatusCreated, &up); err != nil {
		return "", err
	}
	if up.Rows != n {
		return "", fmt.Errorf("upload kept %d of %d rows: %v", up.Rows, n, up.Refused)
	}
	return up.ID, nil
}

// benchCreateBroadcast sends the uploaded list one text with a
// per-recipient code, now. Its recipients never wrote to the page, so the
// message carries a tag: the policy would skip an untagged one.
func benchCreateBroadcast(gwURL, key, upload string) (string, error) {
	body := fmt.Sprintf(`{"name":"bench","channel":"messenger","messaging_type":"MESSAGE_TAG","tag":"POST_PURCHASE_UPDATE",
		"content":{"message":{"text":"Your order {{code}} has shipped"}},"audience":{"upload":%q}}`, upload)
	var created struct{ ID string }
	err := v1Do(http.MethodPost, gwURL+"/v1/broadcasts", key, "application/json", strings.NewReader(body), http.StatusCreated, &created)
	return created.ID, err
}

func benchBroadcastState(gwURL, key, id string) (string, map[string]int64, error) {
	var b struct {
		State  string
		Counts map[string]int64
	}
	err := v1Do(http.MethodGet, gwURL+"/v1/broadcasts/"+id, key, "", nil, http.StatusOK, &b)
	return b.State, b.Counts, err
}

// v1Do calls botgate's own API with key, expecting status want.
func v1Do(method, u, key, contentType string, body io.Reader, want int, out any) error {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: HTTP %d %s", method, u, resp.StatusCode, msg)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
