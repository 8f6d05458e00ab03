"""The clubs' pure rules: plain functions, unit-tested without a database."""
