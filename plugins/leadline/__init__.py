"""Leadline: completed phone calls in, scored CRM-ready leads out."""
