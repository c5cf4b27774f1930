"""Test data: sample banks and the hostile corpus."""
