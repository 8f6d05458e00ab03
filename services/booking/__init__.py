"""Booking: resources of a place and their bookings."""
