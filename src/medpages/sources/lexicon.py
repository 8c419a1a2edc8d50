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
    "peripheral edema": "swollen ankles or feet",
    "ecchymosis": "bruising",
    "lacrimation": "watery eyes",
    "oliguria": "passing less urine",
    "abnormal vision": "changes in vision",
    "acute pain": "short-term pain",
    "foreign body sensation": "feeling that something is in the eye",
    "ataxia": "unsteadiness",
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
    "swollen ankles": "peripheral edema",
    "swollen feet": "peripheral edema",
    "swelling of the ankles": "peripheral edema",
    "bruises": "ecchymosis",
    "nose discomfort": "nasal discomfort",
    "decreased urine output": "oliguria",
    "vision changes": "abnormal vision",
    "stomach upset": "dyspepsia",
}

# The headline concepts of boxed warnings, and the plain ways a page says each. A concept is
# named in a boxed warning's title ("WARNING: RISK OF SERIOUS CARDIOVASCULAR AND GASTROINTESTINAL
# EVENTS") by one of its label words; a page covers it when one of its plain phrases stands in
# one sentence. "bleeding + stomach" means both words in the same sentence, in any order
# ("bleeding or ulcers in the stomach"). Label words are also plain phrases of their concept.
WARNING_CONCEPTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "heart attack and stroke": (
        ("cardiovascular", "thrombotic", "thombotic", "myocardial infarction", "heart attack", "stroke"),
        ("heart attack", "heart attacks", "stroke", "strokes", "blood clot", "blood clots", "clot", "clots",
         "myocardial infarction", "cardiovascular")),
    "stomach and gut bleeding and ulcers": (
        ("gastrointestinal", "gi", "ulceration", "ulcers", "perforation", "peptic ulcer", "gastrointestinal bleeding",
         "gi bleeding"),
        ("ulcer", "ulcers", "ulceration", "perforation", "gastrointestinal", "bleeding + stomach", "bleed + stomach",
         "bleeding + gut", "bleeding + intestine", "bleeding + intestines", "bleeding + bowel", "bleeding + gi",
         "bleeding + digestive", "hole + stomach", "hole + gut", "hole + intestine", "hole + intestines",
         "black stools", "black tarry", "tarry stools", "vomit + blood", "vomiting + blood")),
    "bleeding": (
        ("bleeding", "hemorrhage", "hemorrhagic"),
        ("bleeding", "bleed", "bleeds", "hemorrhage", "bruising", "bruise", "bruises")),
    "lactic acidosis": (
        ("lactic acidosis", "lactic", "acidosis"),
        ("lactic acidosis", "lactic acid", "acidosis", "acid + blood")),
    "tendon damage": (
        ("tendinitis", "tendonitis", "tendon rupture", "tendon"),
        ("tendon", "tendons", "tendinitis", "tendonitis", "achilles")),
    "nerve damage": (
        ("peripheral neuropathy", "neuropathy"),
        ("nerve", "nerves", "neuropathy", "numbness", "tingling", "pins and needles")),
    "effects on the brain and mind": (
        ("central nervous system", "cns effects", "psychiatric"),
        ("nervous system", "brain", "mental", "mood", "confusion", "confused", "seizure", "seizures", "fits",
         "psychiatric", "hallucination", "hallucinations", "anxiety", "depression", "thinking", "behavior",
         "behaviour")),
    "myasthenia gravis": (
        ("myasthenia gravis", "myasthenia"),
        ("myasthenia", "muscle + weak", "muscle + weakness", "muscles + weak", "muscles + weakness")),
    "addiction": (
        ("addiction", "abuse", "misuse", "dependence"),
        ("addiction", "addictive", "addicted", "abuse", "misuse", "dependence", "dependent", "habit forming")),
    "slowed breathing": (
        ("respiratory depression", "respiratory"),
        ("breathing", "breathe", "breath", "respiratory")),
    "accidental swallowing": (
        ("accidental ingestion", "accidental"),
        ("accidental", "accidentally", "accident", "swallow + child", "swallows + child", "swallowed + child",
         "reach + child", "reach + children", "overdose + child", "overdose + children")),
    "sedatives and alcohol": (
        ("benzodiazepines", "benzodiazepine", "cns depressants", "depressants"),
        ("benzodiazepine", "benzodiazepines", "sedative", "sedatives", "sleeping pill", "sleeping pills",
         "sleeping tablets", "tranquilizer", "tranquilizers", "tranquillisers", "alcohol", "depressant",
         "depressants")),
    "codeine in children": (
        ("ultra rapid metabolism", "ultra rapid", "metabolizer", "metabolizers"),
        ("child", "children", "metabolizer", "metaboliser", "metabolizers", "tonsil", "tonsils", "tonsillectomy")),
    "withdrawal in newborn babies": (
        ("neonatal", "neonatal opioid withdrawal syndrome"),
        ("newborn", "newborns", "neonatal", "neonate", "withdrawal + baby", "withdrawal + babies",
         "withdrawal + pregnancy", "withdrawal + pregnant")),
    "interactions with other medicines": (
        ("cytochrome", "p450", "p4503a4", "cyp3a4", "isoenzymes", "drug interactions", "interaction", "interactions"),
        ("interact", "interacts", "interaction", "interactions", "other medicine", "other medicines",
         "other medications", "other drugs", "cytochrome", "p450")),
    "kidney problems": (
        ("renal", "kidney"),
        ("kidney", "kidneys", "renal")),
    "labour and delivery": (
        ("labor and delivery", "labor", "delivery"),
        ("labor", "labour", "childbirth", "give birth", "giving birth", "delivery", "pregnancy", "pregnant")),
    "other pain medicines": (
        ("nsaids", "nsaid", "aspirin"),
        ("nsaid", "nsaids", "aspirin", "ibuprofen", "naproxen", "anti inflammatory", "painkiller", "painkillers",
         "pain medicines", "pain relievers")),
    "death": (
        ("mortality", "death", "deaths", "fatal"),
        ("death", "deaths", "die", "dying", "died", "fatal", "mortality", "life threatening")),
    "dementia": (
        ("dementia", "dementia related psychosis"),
        ("dementia", "memory loss")),
    "suicidal thoughts": (
        ("suicidal", "suicidality", "suicide"),
        ("suicidal", "suicide", "kill + themselves", "kill + yourself", "self harm", "harming yourself")),
    "serious infections": (
        ("infections", "infection"),
        ("infection", "infections", "tuberculosis", "tb")),
    "cancer": (
        ("malignancy", "malignancies", "lymphoma", "cancer"),
        ("cancer", "cancers", "lymphoma", "malignancy", "tumor", "tumors")),
    "liver damage": (
        ("hepatotoxicity", "hepatic failure", "liver failure", "liver injury", "hepatic"),
        ("liver",)),
    "harm to an unborn baby": (
        ("embryo fetal toxicity", "fetal toxicity", "fetal"),
        ("unborn", "pregnancy", "pregnant", "birth defects", "fetus", "baby + harm")),
    "severe allergic reactions": (
        ("anaphylaxis", "anaphylactic", "systemic reaction", "hypersensitivity"),
        ("allergic", "allergy", "anaphylaxis", "anaphylactic")),
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


# Word-level normalisation: the plain word for each word or word part labels build terms from.
# A page's "stomach pain" meets a label's "abdominal pain", "stomach inflammation" meets
# "gastritis", "sensitivity to light" meets "photophobia", "muscle pain" meets "myalgia".
# Plain word -> its label forms: a whole word as written, "gastr-" a first part and "-itis" a
# last part; a word is read as two parts only when both are listed ("gastr" + "itis", "head" +
# "ache"), so no other word is split. Only parts with one plain meaning: a wrong entry would
# hide an unsupported claim.
WORD_PARTS: dict[str, tuple[str, ...]] = {
    "stomach": ("abdominal", "abdomen", "gastric", "belly", "tummy", "gastr-", "gastro-"),
    "inflammation": ("inflamed", "inflammations", "-itis"),
    "pain": ("ache", "aches", "aching", "painful", "pains", "-algia", "-dynia", "-ache"),
    "light": ("photo-",),
    "sensitivity": ("sensitive", "oversensitivity", "-phobia"),
    "liver": ("hepatic", "hepat-", "hepato-"),
    "kidney": ("renal", "nephr-", "nephro-"),
    "heart": ("cardiac", "cardi-", "cardio-"),
    "skin": ("cutaneous", "dermal", "derm-", "dermat-", "dermato-"),
    "joint": ("articular", "arthr-", "arthro-"),
    "muscle": ("muscular", "my-", "myo-"),
    "head": ("cephal-", "cephalo-"),
    "nose": ("nasal", "rhin-", "rhino-"),
    "eye": ("ocular", "ophthalmic", "ophthalm-"),
    "mouth": ("stomat-",),
    "throat": ("pharyngeal", "pharyng-"),
    "lung": ("pulmonary", "pneumon-"),
    "nerve": ("neural", "neur-", "neuro-"),
    "ear": ("otic", "ot-", "oto-"),
    "vein": ("venous", "phleb-"),
    "pancreas": ("pancreat-",),
    "bladder": ("cyst-",),
    "colon": ("col-",),
    "tongue": ("gloss-",),
    "gum": ("gums", "gingiv-"),
    "back": (),
    "tooth": ("dental",),
    "vomiting": ("emesis",),
}

# Words that carry no meaning in a term ("pain in the stomach", "feeling that something is in
# your eye"): left out when phrases are compared by their words.
_FILLER_WORDS = frozenset(
    "a an the your you my his her their its of to in on at into is are be that which there".split())


@lru_cache(maxsize=1)
def _word_parts() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(whole word stem -> plain stem, first part -> plain stem, last part -> plain stem)."""
    whole: dict[str, str] = {}
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for plain, forms in WORD_PARTS.items():
        target = stem(plain)
        whole[target] = target
        first[plain] = target
        for form in forms:
            if form.endswith("-"):
                first[form[:-1]] = target
            elif form.startswith("-"):
                last[form[1:]] = target
            else:
                whole[stem(form)] = target
    return whole, first, last


def _word_concepts(word: str) -> list[str]:
    whole, first, last = _word_parts()
    singular = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    for candidate in (word, singular):
        for tail, tail_plain in last.items():
            head = candidate[: -len(tail)]
            if candidate.endswith(tail) and head:
                head = head[:-1] if head not in first and head.endswith("o") else head
                if head in first:
                    return [first[head], tail_plain]
    stemmed = stem(word)
    return [whole.get(stemmed, stemmed)]


def concept_words(text: str) -> list[str]:
    """The words of `text` as plain stems, without filler: `abdominal pain` -> `stomach pain`,
    `gastritis` -> `stomach inflammation`, `photophobia` -> `light sensitivit`."""
    return [concept for word in normalise(text).split() if word not in _FILLER_WORDS
            for concept in _word_concepts(word)]
