"""Review and community: what a suggestion, an acceptance and a review mean.

Readers suggest section edits (no account needed), reviewers (a pharmacist or doctor) accept,
reject or edit-and-accept them, and mark pages reviewed; every change is a new revision with
who, when, why and its base revision (see docs/review.md). `ReviewDesk` (`workflow.py`) is the one
entry point the web app, the API and `medpages review` use; the store keeps the records.
"""

from medpages.review.workflow import MergeConflict, PermissionDenied, Proposal, ReviewDesk

__all__ = ["MergeConflict", "PermissionDenied", "Proposal", "ReviewDesk"]
