"""Placeholder: written next (course teams and enrollment rules)."""
