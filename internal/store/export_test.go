package store

import "context"

// MigrateTo and MigrateDownTo move the schema to a version, for upgrade tests.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	_, err := s.migrator.UpTo(ctx, version)
	return err
}

func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	_, err := s.migrator.DownTo(ctx, version)
	return err
}
