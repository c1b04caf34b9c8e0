package core

// Status is where a message stands. It only moves forward:
// accepted → sent → delivered → read, or to failed from accepted or sent.
type Status string

const (
	StatusAccepted  Status = "accepted"
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusRead      Status = "read"
	StatusFailed    Status = "failed"
)

var statusRank = map[Status]int{StatusAccepted: 0, StatusSent: 1, StatusDelivered: 2, StatusRead: 3}

// CanBecome reports whether a message in status s may move to next.
// A late delivery never overwrites read; nothing leaves failed; a message
// already delivered or read cannot fail.
func (s Status) CanBecome(next Status) bool {
	if s == StatusFailed {
		return false
	}
	if next == StatusFailed {
		return s == StatusAccepted || s == StatusSent
	}
	from, ok1 := statusRank[s]
	to, ok2 := statusRank[next]
	return ok1 && ok2 && to > from
}

// Statuses lists every status, for validating filters.
var Statuses = []Status{StatusAccepted, StatusSent, StatusDelivered, StatusRead, StatusFailed}
