"""Pure rules of the clubs service (plain functions, unit-tested)."""
