"""Maillage services. Importing this package pulls in nothing heavy (no nameko, no eventlet)."""
