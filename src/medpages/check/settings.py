"""`CheckSettings`: the thresholds the checks use, with defaults for a lay reader."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CheckSettings(BaseModel):
    """Thresholds of the checks. The defaults suit pages written for patients."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Flesch-Kincaid grade above which a section is flagged as hard to read.
    readability_grade: float = Field(default=9.0, gt=0)
    # Sections with fewer words are not graded: the formula is noise on a line or two.
    readability_min_words: int = Field(default=40, ge=1)
    # Sentences with more words than this are flagged.
    long_sentence_words: int = Field(default=30, ge=5)
    long_sentence_severity: Literal["info", "warning"] = "info"
    # A Usage statement is supported when at least this share of its content words is found
    # in the label's indications (after the lay lexicon is applied).
    use_support_share: float = Field(default=0.5, gt=0, le=1)
