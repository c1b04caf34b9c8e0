package store

// Writers is how many group-commit writers s runs.
func Writers(s *Store) int { return s.dialect.writers }

// UrgentWaiting is how many urgent operations wait for a writer.
func UrgentWaiting(s *Store) int { return len(s.writer.urgent) }
