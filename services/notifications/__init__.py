"""Notifications: the emails and calendar invitations the platform sends to people."""
