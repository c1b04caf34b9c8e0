// Package metrics holds botgate's Prometheus series that several packages
// record: messages, Graph calls, deliveries, inbound webhooks and HTTP
// requests. Every name starts with botgate_ and says its unit; labels are
// bounded (a route pattern, never a path; a bot id at most, never a
// recipient). A nil *Set records nothing, so tests may leave it out.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Set is the series, registered once per process.
type Set struct {
	messages     *prometheus.CounterVec
	sendRetries  *prometheus.CounterVec
	waSends      *prometheus.CounterVec
	graphCalls   *prometheus.HistogramVec
	graphErrors  *prometheus.CounterVec
	deliveries   *prometheus.HistogramVec
	webhooks     *prometheus.CounterVec
	statuses     *prometheus.CounterVec
	apiErrors    *prometheus.CounterVec
	httpRequests *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec
}

// latency buckets from half a millisecond to about 30 s.
var latency = prometheus.ExponentialBuckets(0.0005, 2, 17)

// New registers the series with reg.
func New(reg prometheus.Registerer) *Set {
	m := &Set{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_messages_total",
			Help: "Messages that reached a final status (sent, failed), by face, channel and status.",
		}, []string{"face", "channel", "status"}),
		sendRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_send_retries_total",
			Help: "Send attempts that will be tried again, by channel and reason (error, throttled).",
		}, []string{"channel", "reason"}),
		waSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_whatsapp_sends_total",
			Help: "WhatsApp messages Graph accepted, by the number that sent them: its pace in use.",
		}, []string{"phone_number_id"}),
		graphCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "botgate_graph_call_seconds",
			Help:    "Graph API call latency, by endpoint and outcome (ok, error: Graph answered an error, network: no answer).",
			Buckets: latency,
		}, []string{"endpoint", "outcome"}),
		graphErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_graph_errors_total",
			Help: "Graph API calls that failed, by endpoint and Graph error code (\"network\" for no answer, \"http_<status>\" for an answer without a Graph error).",
		}, []string{"endpoint", "code"}),
		deliveries: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "botgate_delivery_seconds",
			Help:    "POSTs to merchant URLs, by kind (callback, event, upload) and outcome (delivered, retry, gave_up), with their latency.",
			Buckets: latency,
		}, []string{"kind", "outcome"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_webhooks_total",
			Help: "Inbound Graph webhooks, by object (page, whatsapp_business_account, other) and outcome (accepted, refused_signature, refused_malformed, refused_unknown, failed).",
		}, []string{"object", "outcome"}),
		statuses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_status_events_total",
			Help: "Status reports in inbound webhooks (delivered, read; failed from WhatsApp), by channel: a Messenger report may cover several messages.",
		}, []string{"channel", "status"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_api_errors_total",
			Help: "Requests a face answered with an error, by face and error kind (Sobot's answer HTTP 200 whatever the error).",
		}, []string{"face", "kind"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botgate_http_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "status"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "botgate_http_request_seconds",
			Help:    "HTTP request latency, by route pattern.",
			Buckets: latency,
		}, []string{"route"}),
	}
	reg.MustRegister(m.messages, m.sendRetries, m.waSends, m.graphCalls, m.graphErrors, m.deliveries, m.webhooks, m.statuses, m.apiErrors, m.httpRequests, m.httpLatency)
	return m
}

// Message counts a message's final status.
func (m *Set) Message(face, channel, status string) {
	if m != nil {
		m.messages.WithLabelValues(face, channel, status).Inc()
	}
}

// SendRetry counts an attempt that will be tried again.
func (m *Set) SendRetry(channel, reason string) {
	if m != nil {
		m.sendRetries.WithLabelValues(channel, reason).Inc()
	}
}

// WhatsAppSent counts a send Graph accepted from a number.
func (m *Set) WhatsAppSent(phoneNumberID string) {
	if m != nil {
		m.waSends.WithLabelValues(phoneNumberID).Inc()
	}
}

// GraphCall records one Graph call; code is "" when it succeeded.
func (m *Set) GraphCall(endpoint string, d time.Duration, outcome, code string) {
	if m == nil {
		return
	}
	m.graphCalls.WithLabelValues(endpoint, outcome).Observe(d.Seconds())
	if code != "" {
		m.graphErrors.WithLabelValues(endpoint, code).Inc()
	}
}

// Delivery records one POST to a merchant URL.
func (m *Set) Delivery(kind, outcome string, d time.Duration) {
	if m != nil {
		m.deliveries.WithLabelValues(kind, outcome).Observe(d.Seconds())
	}
}

// Webhook counts an inbound webhook.
func (m *Set) Webhook(object, outcome string) {
	if m != nil {
		m.webhooks.WithLabelValues(object, outcome).Inc()
	}
}

// StatusEvent counts a status report a webhook brought.
func (m *Set) StatusEvent(channel, status string) {
	if m != nil {
		m.statuses.WithLabelValues(channel, status).Inc()
	}
}

// APIError counts a request answered with an error of kind.
func (m *Set) APIError(face, kind string) {
	if m != nil {
		m.apiErrors.WithLabelValues(face, kind).Inc()
	}
}

// HTTP records a served request.
func (m *Set) HTTP(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.httpLatency.WithLabelValues(route).Observe(d.Seconds())
}
