"""One router per service, plus the platform's own routes."""
