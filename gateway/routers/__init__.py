"""One router per resource (gathered in ``gateway/api.py``), plus the web pages and the docs."""
