package fakegraph

import "time"

// throughput is a number's enforced send rate: at most limit accepted
// sends in any one second, by arrival.
type throughput struct {
	limit      int
	recent     []time.Time // accepted sends of the last second, oldest first
	violations int
}

// SetWhatsAppThroughput makes the Cloud API refuse a send from
// phoneNumberID with 130429 (ErrWAThroughput) when the number has already
// had perSecond sends accepted in the second before it arrived, as Graph
// does past a number's throughput. The fake becomes the judge of a
// sender's pacing: WhatsAppThroughputViolations counts the refusals.
// 0 stops enforcing.
func (s *Server) SetWhatsAppThroughput(phoneNumberID string, perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if perSecond <= 0 {
		delete(s.rules.throughput, phoneNumberID)
		return
	}
	s.rules.throughput[phoneNumberID] = &throughput{limit: perSecond}
}

// WhatsAppThroughputViolations is how many sends from phoneNumberID were
// refused for exceeding SetWhatsAppThroughput's rate.
func (s *Server) WhatsAppThroughputViolations(phoneNumberID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tp := s.rules.throughput[phoneNumberID]; tp != nil {
		return tp.violations
	}
	return 0
}

// throughputLocked admits a send that arrived at at, or refuses it.
func (s *Server) throughputLocked(phoneNumberID string, at time.Time) *GraphError {
	tp := s.rules.throughput[phoneNumberID]
	if tp == nil {
		return nil
	}
	from := at.Add(-time.Second)
	i := 0
	for i < len(tp.recent) && !tp.recent[i].After(from) {
		i++
	}
	tp.recent = tp.recent[i:]
	if len(tp.recent) >= tp.limit {
		tp.violations++
		e := ErrWAThroughput.clone()
		return &e
	}
	tp.recent = append(tp.recent, at)
	return nil
}
