"""Organizers, organizations, memberships, invitations and API tokens."""
