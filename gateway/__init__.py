"""Maillage gateway: HTTP API, capability discovery and the web client. No eventlet here."""
