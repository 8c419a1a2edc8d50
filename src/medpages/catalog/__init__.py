"""The catalogue: lists of medicine names, their parsing, canonical names and slugs."""
