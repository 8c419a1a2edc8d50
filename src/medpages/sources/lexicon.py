"""Label terms in plain words, and the word normalisation label and page text are matched with.

`LAY_TERMS` maps a term as labels write it (lower-case) to the plain words a patient page
uses; `lay_term(term)` looks one up (the composer uses it to write label facts plainly).
`equivalent_phrases` reads the table both ways, so "joint pain" on a page is found as
"arthralgia" on a label and the other way round. `stems` reduces words to a crude stem so
"aches"/"aching" or "diarrhoea"/"diarrhea" meet.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Label term -> plain words. Keys are lower-case as labels write them; values are what a lay
# page says. Only well-established equivalents: a wrong entry would hide an unsupported claim.
LAY_TERMS: dict[str, str] = {
    "nasopharyngitis": "common cold (sore throat and runny nose)",
    "arthralgia": "joint pain",
    "myalgia": "muscle pain",
    "pyrexia": "fever",
    "diarrhea": "diarrhoea",
    "dyspepsia": "indigestion",
    "pain in extremity": "pain in arms or legs",
    "nausea": "feeling sick",
    "insomnia": "trouble sleeping",
    "sleeplessness": "trouble sleeping",
    "urinary tract infection": "bladder infection",
    "musculoskeletal pain": "muscle and bone pain",
    "muscle spasms": "muscle cramps",
    "pharyngolaryngeal pain": "sore throat",
    "malaise": "feeling unwell",
    "abdominal discomfort": "stomach discomfort",
    "eructation": "burping",
    "flatulence": "wind (gas)",
    "epistaxis": "nosebleed",
    "urticaria": "hives",
    "vision blurred": "blurred vision",
    "tinnitus": "ringing in the ears",
    "hyperglycemia": "high blood sugar",
    "hepatitis": "liver inflammation",
    "cholestasis": "blocked bile flow",
    "fatigue": "tiredness",
    "asthenia": "weakness",
    "dizziness": "feeling dizzy",
    "somnolence": "sleepiness",
    "drowsiness": "sleepiness",
    "excitability": "restlessness",
    "nervousness": "feeling nervous",
    "rhabdomyolysis": "severe muscle breakdown",
    "myopathy": "muscle weakness",
    "peripheral neuropathy": "nerve damage in the hands and feet",
    "hepatic failure": "liver failure",
    "pancreatitis": "inflamed pancreas",
    "anaphylaxis": "severe allergic reaction",
    "angioneurotic edema": "swelling of the face, lips or throat",
    "alopecia": "hair loss",
    "pruritus": "itching",
    "constipation": "constipation",
    "vomiting": "being sick",
    "headache": "headache",
    "cephalalgia": "headache",
    "myocardial infarction": "heart attack",
    "stroke": "stroke",
    "angina": "chest pain",
    "hypercholesterolemia": "high cholesterol",
    "hyperlipidemia": "high levels of fats in the blood",
    "dyslipidemia": "abnormal levels of fats in the blood",
    "hypertension": "high blood pressure",
    "congestive heart failure": "heart failure",
    "chf": "heart failure",
    "ldl-c": "bad cholesterol",
    "hdl-c": "good cholesterol",
    "tg": "triglycerides",
    "rhinorrhea": "runny nose",
    "nasal congestion": "blocked nose",
    "sinus congestion": "stuffy sinuses",
    "hay fever": "allergies affecting the nose",
    "cough suppressant": "cough medicine",
    "antihistamine": "allergy medicine",
    "nasal decongestant": "medicine for a blocked nose",
    "revascularization procedures": "procedures to restore blood flow to the heart",
    "memory impairment": "memory problems",
    "cognitive impairment": "memory problems or confusion",
    "tendon rupture": "torn tendon",
    "depression": "low mood",
}

# Other plain words patients use for the same thing (plain -> label term); read with LAY_TERMS.
_MORE_PLAIN_WORDS: dict[str, str] = {
    "sore throat": "nasopharyngitis",
    "runny nose": "nasopharyngitis",
    "stuffy nose": "nasal congestion",
    "blocked nose": "nasal congestion",
    "upset stomach": "dyspepsia",
    "aching joints": "arthralgia",
    "muscle aches": "myalgia",
    "aching muscles": "myalgia",
    "muscle ache": "myalgia",
    "joint ache": "arthralgia",
    "pain in the arms or legs": "pain in extremity",
    "trouble falling asleep": "insomnia",
    "difficulty sleeping": "insomnia",
    "sleep problems": "insomnia",
    "feeling tired": "fatigue",
    "tiredness": "fatigue",
    "heartburn": "dyspepsia",
    "loose stools": "diarrhea",
    "urine infection": "urinary tract infection",
    "feeling sleepy": "drowsiness",
    "sleepy": "drowsiness",
    "restless": "excitability",
    "restlessness": "excitability",
    "jittery": "nervousness",
    "itchy skin": "pruritus",
    "lightheaded": "dizziness",
    "high cholesterol": "hypercholesterolemia",
    "cholesterol": "ldl-c",
    "blood fats": "hyperlipidemia",
    "fats in the blood": "hyperlipidemia",
    "triglycerides": "tg",
    "heart attacks": "myocardial infarction",
    "chest pain": "angina",
    "heart failure": "chf",
    "cold symptoms": "cough due to minor throat and bronchial irritation as may occur with a cold",
    "sneezing": "sneezing",
    "itchy eyes": "itchy, watery eyes",
    "watery eyes": "itchy, watery eyes",
    "allergies": "hay fever",
    "blocked sinuses": "sinus congestion",
    "stuffy sinuses": "sinus congestion",
    "cough": "cough suppressant",
    "coughing": "cough suppressant",
    "liver problems": "liver enzyme abnormalities",
    "muscle problems": "myopathy",
    "muscle weakness": "myopathy",
    "muscle breakdown": "rhabdomyolysis",
    "nerve damage": "peripheral neuropathy",
    "forgetfulness": "memory loss",
    "confusion": "cognitive impairment",
    "high blood sugar": "hyperglycemia",
}

_SPELLINGS = (("diarrhoea", "diarrhea"), ("oesophag", "esophag"), ("haem", "hem"), ("anaem", "anem"),
              ("oedema", "edema"), ("paediatric", "pediatric"), ("tumour", "tumor"), ("colour", "color"),
              ("behaviour", "behavior"), ("breast-feed", "breastfeed"), ("breast feed", "breastfeed"))


def _key(term: str) -> str:
    return " ".join(term.lower().replace("’", "'").split())


def lay_term(term: str) -> str:
    """The plain words for a label term (`arthralgia` -> `joint pain`); an unknown term as it was."""
    return LAY_TERMS.get(_key(term), term)


def _build_equivalents() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}

    def link(a: str, b: str) -> None:
        a, b = normalise(a), normalise(b)
        table.setdefault(a, {a}).add(b)
        table.setdefault(b, {b}).add(a)

    for label, lay in LAY_TERMS.items():
        link(label, lay)
        # "common cold (sore throat and runny nose)": each plain part is an equivalent too.
        for part in re.split(r"[()]", lay):
            if part.strip():
                link(label, part)
    for lay, label in _MORE_PLAIN_WORDS.items():
        link(lay, label)
    return table


def normalise(text: str) -> str:
    """Lower case, American spelling, punctuation as spaces: the form phrases are compared in."""
    text = text.lower().replace("’", "'")
    for british, american in _SPELLINGS:
        text = text.replace(british, american)
    text = re.sub(r"[^a-z0-9%]+", " ", text)
    return " ".join(text.split())


_SUFFIXES = ("ingly", "edly", "ness", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s", "y", "e")
_IRREGULAR = {"feet": "foot", "teeth": "tooth", "children": "child", "women": "woman", "men": "man",
              "aching": "ache", "aches": "ache", "ached": "ache", "achy": "ache"}


def stem(word: str) -> str:
    """A crude stem: `aches`, `aching` -> `ach`; `infections` -> `infection`. Short words stay.

    Applied until nothing more comes off, so that a word and its plural meet (`nosebleeds` ->
    `nosebleed` -> `noseble`, as `nosebleed` itself)."""
    for _ in range(3):
        stemmed = _stem_once(word)
        if stemmed == word:
            break
        word = stemmed
    return word


def _stem_once(word: str) -> str:
    word = _IRREGULAR.get(word, word)
    if len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    # `dizziness` -> `dizzi` and `dizzy` -> `dizz` should meet.
    return word[:-1] if word.endswith("i") and len(word) > 4 else word


def stems(text: str) -> list[str]:
    return [stem(word) for word in normalise(text).split()]


@lru_cache(maxsize=1)
def _stemmed_equivalents() -> dict[str, set[str]]:
    return {" ".join(stems(key)): {key} | phrases for key, phrases in _EQUIVALENTS.items()}


def equivalent_phrases(phrase: str) -> set[str]:
    """The phrase and every phrase the lexicon says means the same (normalised), one step each way."""
    key = normalise(phrase)
    # As written, else by its words' stems: "nosebleeds" is the lexicon's "nosebleed".
    found = set(_EQUIVALENTS.get(key) or _stemmed_equivalents().get(" ".join(stems(key)), {key}))
    # Second step through the lay words, so "sore throat" reaches "pharyngolaryngeal pain".
    for other in list(found):
        found |= _EQUIVALENTS.get(other, set())
    return found


_EQUIVALENTS = _build_equivalents()
