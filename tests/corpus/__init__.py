"""The bad-input corpus (issue 7 part 1): built into a temporary folder at test time, never committed."""
