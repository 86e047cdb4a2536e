"""Accounts, roles, profiles, invitations and the trainee CSV import."""
