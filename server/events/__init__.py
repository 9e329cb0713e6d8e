"""Campaigns and events: create, edit, publish, cancel, and find them nearby."""
