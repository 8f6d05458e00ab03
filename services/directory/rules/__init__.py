"""The directory's rules: pure functions, no database."""
