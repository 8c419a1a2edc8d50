"""Publishing: the seed Markdown format both ways, and the Jekyll tree."""
