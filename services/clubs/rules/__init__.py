"""Pure rules of the clubs service (no database, no broker)."""
