"""The review web app (`medpages serve`): reading, suggesting, reviewing, and the JSON API.

`create_app(project)` (app.py) builds the ASGI app; see docs/review.md.
"""
