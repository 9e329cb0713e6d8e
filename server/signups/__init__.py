"""Volunteers, RSVPs, shifts, waitlists, check-in and the volunteer's secret links."""
