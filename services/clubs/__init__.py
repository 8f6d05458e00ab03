"""Clubs: interest clubs, their meetings and workshops (capabilities come in their own issue)."""
