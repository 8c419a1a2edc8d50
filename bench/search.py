"""How well the name search finds the medicine a patient means, in a 10,000-line catalogue.

    python bench/search.py [--lines 10000] [--half tune|held-out|both]

Makes a wholesaler-like catalogue: about 400 real generics from the drug dictionary the
package ships (those with MedlinePlus and NHS pages first), each in many strengths, forms and
salt spellings, plus combinations and their BNF compound names (co-codamol 30/500). Builds the
name index with the builder's own code (`name_shards`) and searches it with `search_query.py`,
the Python twin of `static/search.js` (the parity test keeps them in step), so no browser is
needed. Then runs the patient queries below, written by kind from what a patient reads on a
pharmacy shelf, the NHS and MedlinePlus (not from the index), and prints top-1 and top-3 per
kind, bytes per first query (the name-index files it fetches plus the home page with its CSS
and JavaScript) and the latency of every keystroke of the real `search.js`, run in Node (when
installed) on the same files, whose results are checked against the Python twin's, with the
bytes of every file its keystrokes fetched as each query is typed key by key.

Queries alternate between two halves: the even ones were used to tune the search, the odd
ones were meant to be kept apart (but their misses were seen while the vocabulary was
extended); `FRESH_QUERIES` were written after tuning and never tuned on. `--half` picks what
to report (all three by default, side by side).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from medpages.catalog.builder import medicine_from_title
from medpages.catalog.canonical import load_dictionary, resolve_ingredient
from medpages.catalog.national_names import names_for, us_name
from medpages.publish.site.search_index import NameRecord, fold, name_shards
from medpages.publish.site.search_query import NameSearch

# (kind, what the patient types, the ingredients of the medicine meant, "+" between them)
QUERIES: list[tuple[str, str, str]] = [
    # a typo in the first letter or two
    ("typo start", "ubuprofen", "ibuprofen"), ("typo start", "setirizine", "cetirizine"),
    ("typo start", "kodeine", "codeine"), ("typo start", "umeprazole", "omeprazole"),
    ("typo start", "anlodipine", "amlodipine"), ("typo start", "certraline", "sertraline"),
    ("typo start", "cimvastatin", "simvastatin"), ("typo start", "sitalopram", "citalopram"),
    ("typo start", "netformin", "metformin"), ("typo start", "kabapentin", "gabapentin"),
    ("typo start", "brednisolone", "prednisolone"), ("typo start", "ezomeprazole", "esomeprazole"),
    ("typo start", "maproxen", "naproxen"), ("typo start", "cholecalciferol", "cholecalciferol"),
    ("typo start", "laperamide", "loperamide"), ("typo start", "alanzapine", "olanzapine"),
    ("typo start", "dyazepam", "diazepam"), ("typo start", "varfarin", "warfarin"),
    # a typo in the middle
    ("typo middle", "amoxicilin", "amoxicillin"), ("typo middle", "paracetmol", "acetaminophen"),
    ("typo middle", "lisinipril", "lisinopril"), ("typo middle", "sertaline", "sertraline"),
    ("typo middle", "gabapenton", "gabapentin"), ("typo middle", "prednisalone", "prednisolone"),
    ("typo middle", "clopidogral", "clopidogrel"), ("typo middle", "warfrin", "warfarin"),
    ("typo middle", "fluoxitine", "fluoxetine"), ("typo middle", "ramapril", "ramipril"),
    ("typo middle", "bisoprilol", "bisoprolol"), ("typo middle", "metronidasole", "metronidazole"),
    ("typo middle", "methotrexste", "methotrexate"), ("typo middle", "metoprolpl", "metoprolol"),
    ("typo middle", "levothyrixine", "levothyroxine"), ("typo middle", "tramodol", "tramadol"),
    # a typo at the end
    ("typo end", "omeprazol", "omeprazole"), ("typo end", "atorvastatine", "atorvastatin"),
    ("typo end", "amitriptylin", "amitriptyline"), ("typo end", "citalopran", "citalopram"),
    ("typo end", "doxycyclin", "doxycycline"), ("typo end", "furosemid", "furosemide"),
    ("typo end", "metformine", "metformin"), ("typo end", "diazepan", "diazepam"),
    ("typo end", "lansoprazol", "lansoprazole"), ("typo end", "mirtazapin", "mirtazapine"),
    ("typo end", "allopurinal", "allopurinol"), ("typo end", "propranolal", "propranolol"),
    ("typo end", "loratadin", "loratadine"), ("typo end", "metoprolo", "metoprolol"),
    ("typo end", "quetiapin", "quetiapine"), ("typo end", "venlafaxin", "venlafaxine"),
    # two letters swapped
    ("transposition", "metfromin", "metformin"), ("transposition", "ibuprofne", "ibuprofen"),
    ("transposition", "amlodpiine", "amlodipine"), ("transposition", "naproxne", "naproxen"),
    ("transposition", "atenlool", "atenolol"), ("transposition", "diclofneac", "diclofenac"),
    ("transposition", "warfarni", "warfarin"), ("transposition", "paractemol", "acetaminophen"),
    ("transposition", "simvastaitn", "simvastatin"), ("transposition", "ceritizine", "cetirizine"),
    ("transposition", "omperazole", "omeprazole"), ("transposition", "tramdaol", "tramadol"),
    ("transposition", "mteronidazole", "metronidazole"), ("transposition", "methtorexate", "methotrexate"),
    ("transposition", "lisniopril", "lisinopril"), ("transposition", "iubprofen", "ibuprofen"),
    # spelt as it sounds
    ("phonetic", "ibuprophen", "ibuprofen"), ("phonetic", "diklofenak", "diclofenac"),
    ("phonetic", "loratadeen", "loratadine"), ("phonetic", "simvastaten", "simvastatin"),
    ("phonetic", "paracetamole", "acetaminophen"), ("phonetic", "codine", "codeine"),
    ("phonetic", "flukloxacillin", "flucloxacillin"), ("phonetic", "nifedipeen", "nifedipine"),
    ("phonetic", "gabapenteen", "gabapentin"), ("phonetic", "sertraleen", "sertraline"),
    ("phonetic", "fluoxeteen", "fluoxetine"), ("phonetic", "amoxisillin", "amoxicillin"),
    ("phonetic", "seterizine", "cetirizine"), ("phonetic", "tramadole", "tramadol"),
    ("phonetic", "metformen", "metformin"), ("phonetic", "asprin", "aspirin"),
    # UK brands (a pharmacy shelf, the NHS pages' "brand names")
    ("UK brand", "Calpol", "acetaminophen"), ("UK brand", "Nurofen", "ibuprofen"),
    ("UK brand", "Piriton", "chlorpheniramine"), ("UK brand", "Zirtek", "cetirizine"),
    ("UK brand", "Clarityn", "loratadine"), ("UK brand", "Voltarol", "diclofenac"),
    ("UK brand", "Ventolin", "albuterol"), ("UK brand", "Seretide", "fluticasone+salmeterol"),
    ("UK brand", "Solpadol", "codeine+acetaminophen"), ("UK brand", "Septrin", "sulfamethoxazole+trimethoprim"),
    ("UK brand", "Losec", "omeprazole"), ("UK brand", "Eltroxin", "levothyroxine"),
    ("UK brand", "Istin", "amlodipine"), ("UK brand", "Madopar", "benserazide+levodopa"),
    ("UK brand", "Imodium", "loperamide"), ("UK brand", "Symbicort", "budesonide+formoterol"),
    ("UK brand", "Adcal-D3", "calcium carbonate+cholecalciferol"), ("UK brand", "Zoton", "lansoprazole"),
    # US brands (MedlinePlus's "brand names")
    ("US brand", "Tylenol", "acetaminophen"), ("US brand", "Advil", "ibuprofen"),
    ("US brand", "Motrin", "ibuprofen"), ("US brand", "Zyrtec", "cetirizine"),
    ("US brand", "Claritin", "loratadine"), ("US brand", "Prilosec", "omeprazole"),
    ("US brand", "Zoloft", "sertraline"), ("US brand", "Prozac", "fluoxetine"),
    ("US brand", "Glucophage", "metformin"), ("US brand", "Synthroid", "levothyroxine"),
    ("US brand", "Lasix", "furosemide"), ("US brand", "Coumadin", "warfarin"),
    ("US brand", "Norvasc", "amlodipine"), ("US brand", "Advair", "fluticasone+salmeterol"),
    ("US brand", "Bactrim", "sulfamethoxazole+trimethoprim"), ("US brand", "Percocet", "oxycodone+acetaminophen"),
    ("US brand", "Lopressor", "metoprolol"), ("US brand", "Flagyl", "metronidazole"),
    # the other country's name, or an older one
    ("synonym", "adrenaline", "epinephrine"), ("synonym", "epinephrine", "epinephrine"),
    ("synonym", "nitroglycerin", "nitroglycerin"), ("synonym", "glyceryl trinitrate", "nitroglycerin"),
    ("synonym", "acyclovir", "acyclovir"), ("synonym", "aciclovir", "acyclovir"),
    ("synonym", "colecalciferol", "cholecalciferol"), ("synonym", "albuterol", "albuterol"),
    ("synonym", "acetaminophen", "acetaminophen"), ("synonym", "frusemide", "furosemide"),
    ("synonym", "lignocaine", "lidocaine"), ("synonym", "thyroxine", "levothyroxine"),
    ("synonym", "cyclosporine", "cyclosporine"), ("synonym", "glyburide", "glyburide"),
    ("synonym", "mesalamine", "mesalamine"), ("synonym", "rifampin", "rifampin"),
    ("synonym", "vitamin d3", "cholecalciferol"), ("synonym", "gtn spray", "nitroglycerin"),
    # with the salt a box or a prescription names
    ("salt", "levothyroxine sodium", "levothyroxine"), ("salt", "metformin hydrochloride", "metformin"),
    ("salt", "amlodipine besylate", "amlodipine"), ("salt", "amlodipine besilate", "amlodipine"),
    ("salt", "sertraline hydrochloride", "sertraline"), ("salt", "losartan potassium", "losartan"),
    ("salt", "diclofenac sodium", "diclofenac"), ("salt", "atorvastatin calcium", "atorvastatin"),
    ("salt", "morphine sulfate", "morphine"), ("salt", "morphine sulphate", "morphine"),
    ("salt", "naproxen sodium", "naproxen"), ("salt", "citalopram hydrobromide", "citalopram"),
    ("salt", "tamsulosin hydrochloride", "tamsulosin"), ("salt", "doxycycline hyclate", "doxycycline"),
    ("salt", "metoprolol tartrate", "metoprolol"), ("salt", "codeine phosphate", "codeine"),
    # several words: combinations, in either order, and their compound names
    ("multi-word", "paracetamol codeine", "codeine+acetaminophen"),
    ("multi-word", "codeine paracetamol", "codeine+acetaminophen"),
    ("multi-word", "calcium vitamin d", "calcium carbonate+cholecalciferol"),
    ("multi-word", "amoxicillin clavulanic acid", "amoxicillin+clavulanic acid"),
    ("multi-word", "fluticasone salmeterol", "fluticasone+salmeterol"),
    ("multi-word", "salmeterol fluticasone", "fluticasone+salmeterol"),
    ("multi-word", "losartan hydrochlorothiazide", "losartan+hydrochlorothiazide"),
    ("multi-word", "co-codamol", "codeine+acetaminophen"),
    ("multi-word", "co-trimoxazole", "sulfamethoxazole+trimethoprim"),
    ("multi-word", "co-amoxiclav", "amoxicillin+clavulanic acid"),
    ("multi-word", "levodopa carbidopa", "carbidopa+levodopa"),
    ("multi-word", "budesonide formoterol", "budesonide+formoterol"),
    ("multi-word", "trimethoprim sulfamethoxazole", "sulfamethoxazole+trimethoprim"),
    ("multi-word", "oxycodone paracetamol", "oxycodone+acetaminophen"),
    ("multi-word", "naproxen esomeprazole", "naproxen+esomeprazole"),
    ("multi-word", "co codamol", "codeine+acetaminophen"),
    # the first letters, still typing
    ("prefix", "ibupro", "ibuprofen"), ("prefix", "paracet", "acetaminophen"),
    ("prefix", "amoxic", "amoxicillin"), ("prefix", "metfor", "metformin"),
    ("prefix", "metopr", "metoprolol"), ("prefix", "methotr", "methotrexate"),
    ("prefix", "metroni", "metronidazole"), ("prefix", "omepr", "omeprazole"),
    ("prefix", "simvas", "simvastatin"), ("prefix", "atorv", "atorvastatin"),
    ("prefix", "sertr", "sertraline"), ("prefix", "cetiri", "cetirizine"),
    ("prefix", "levoth", "levothyroxine"), ("prefix", "amlod", "amlodipine"),
    ("prefix", "lansop", "lansoprazole"), ("prefix", "clopid", "clopidogrel"),
]

# Written after the tuning was done and run once, never tuned on: the honest held-out set.
FRESH_QUERIES: list[tuple[str, str, str]] = [
    ("typo start", "sopiclone", "zopiclone"), ("typo start", "damsulosin", "tamsulosin"),
    ("typo start", "undansetron", "ondansetron"), ("typo start", "phluconazole", "fluconazole"),
    ("typo middle", "propanolol", "propranolol"), ("typo middle", "hydroxychloriquine", "hydroxychloroquine"),
    ("typo middle", "levetiracetem", "levetiracetam"), ("typo middle", "spironolactome", "spironolactone"),
    ("typo end", "finasterid", "finasteride"), ("typo end", "budesonid", "budesonide"),
    ("typo end", "carbamazepin", "carbamazepine"), ("typo end", "pregabalen", "pregabalin"),
    ("transposition", "tamuslosin", "tamsulosin"), ("transposition", "bisporolol", "bisoprolol"),
    ("transposition", "rampiril", "ramipril"), ("transposition", "zoplicone", "zopiclone"),
    ("phonetic", "klonazepam", "clonazepam"), ("phonetic", "fenytoin", "phenytoin"),
    ("phonetic", "amitriptilin", "amitriptyline"), ("phonetic", "sulfasalazeen", "sulfasalazine"),
    ("UK brand", "Lustral", "sertraline"), ("UK brand", "Tegretol", "carbamazepine"),
    ("UK brand", "Canesten", "clotrimazole"), ("UK brand", "Zocor", "simvastatin"),
    ("US brand", "Lipitor", "atorvastatin"), ("US brand", "Plavix", "clopidogrel"),
    ("US brand", "Neurontin", "gabapentin"), ("US brand", "Ultram", "tramadol"),
    ("synonym", "acetylsalicylic acid", "aspirin"), ("synonym", "glibenclamide", "glyburide"),
    ("synonym", "ciclosporin", "cyclosporine"), ("synonym", "mesalazine", "mesalamine"),
    ("salt", "propranolol hydrochloride", "propranolol"), ("salt", "omeprazole magnesium", "omeprazole"),
    ("salt", "fluoxetine hydrochloride", "fluoxetine"), ("salt", "warfarin sodium", "warfarin"),
    ("multi-word", "amlodipine valsartan", "amlodipine+valsartan"), ("multi-word", "ibuprofen codeine", "ibuprofen+codeine"),
    ("multi-word", "paracetamol ibuprofen", "ibuprofen+acetaminophen"), ("multi-word", "sitagliptin metformin", "metformin+sitagliptin"),
    ("prefix", "gabap", "gabapentin"), ("prefix", "tramad", "tramadol"),
    ("prefix", "warfa", "warfarin"), ("prefix", "fluox", "fluoxetine"),
]

# Generics every query above needs (the catalogue holds them whatever the dictionary's order).
NEEDED = sorted({part for *_, meant in QUERIES + FRESH_QUERIES for part in meant.split("+")} - {"calcium carbonate"})
# Combinations a wholesaler lists: (ingredients as listed, strengths, its compound name if any)
COMBINATIONS = [
    (("Paracetamol", "Codeine"), ["500mg/8mg", "500mg/15mg", "500mg/30mg"], "Co-codamol"),
    (("Amoxicillin", "Clavulanic Acid"), ["250mg/125mg", "500mg/125mg", "875mg/125mg"], "Co-amoxiclav"),
    (("Sulfamethoxazole", "Trimethoprim"), ["400mg/80mg", "800mg/160mg"], "Co-trimoxazole"),
    (("Carbidopa", "Levodopa"), ["12.5mg/50mg", "25mg/100mg", "25mg/250mg"], "Co-careldopa"),
    (("Benserazide", "Levodopa"), ["12.5mg/50mg", "25mg/100mg"], "Co-beneldopa"),
    (("Atenolol", "Chlortalidone"), ["50mg/12.5mg", "100mg/25mg"], "Co-tenidone"),
    (("Amiloride", "Furosemide"), ["5mg/40mg"], "Co-amilofruse"),
    (("Paracetamol", "Dihydrocodeine"), ["500mg/10mg", "500mg/20mg"], "Co-dydramol"),
    (("Fluticasone", "Salmeterol"), ["50mcg/25mcg", "125mcg/25mcg", "250mcg/25mcg", "500mcg/50mcg"], None),
    (("Budesonide", "Formoterol"), ["100mcg/6mcg", "200mcg/6mcg", "400mcg/12mcg"], None),
    (("Calcium Carbonate", "Colecalciferol"), ["1.25g/400 IU", "1.5g/400 IU", "1.5g/10mcg"], None),
    (("Losartan", "Hydrochlorothiazide"), ["50mg/12.5mg", "100mg/25mg"], None),
    (("Naproxen", "Esomeprazole"), ["500mg/20mg"], None),
    (("Oxycodone", "Paracetamol"), ["5mg/325mg", "10mg/325mg"], None),
    (("Ibuprofen", "Codeine"), ["200mg/12.8mg"], None),
    (("Ibuprofen", "Paracetamol"), ["200mg/500mg"], None),
    (("Metformin", "Sitagliptin"), ["1000mg/50mg"], None),
    (("Amlodipine", "Valsartan"), ["5mg/80mg", "10mg/160mg"], None),
    (("Beclometasone", "Formoterol"), ["100mcg/6mcg", "200mcg/6mcg"], None),
    (("Bisoprolol", "Hydrochlorothiazide"), ["5mg/6.25mg"], None),
]
FORMS = ["Tablets", "Film-Coated Tablets", "Capsules", "Oral Solution", "Oral Suspension", "Dispersible Tablets",
         "Modified-Release Tablets", "Solution for Injection", "Cream", "Eye Drops", "Suppositories", "Syrup"]
STRENGTHS = ["1mg", "2mg", "2.5mg", "5mg", "10mg", "20mg", "25mg", "40mg", "50mg", "100mg", "200mg", "250mg",
             "400mg", "500mg", "1g", "100mcg", "5mg/5ml", "250mg/5ml", "0.5%", "1%"]
SALTS = ("hydrochloride", "sodium", "potassium", "calcium", "besilate", "maleate", "mesilate", "succinate",
         "tartrate", "sulfate", "sulphate", "phosphate", "hyclate", "hydrobromide", "fumarate")


def generics(count: int) -> list[str]:
    """`count` generics: those the queries need, then the dictionary's with MedlinePlus and NHS pages,
    then with MedlinePlus pages (single words, by name), spelt as a UK list spells them."""
    dictionary = load_dictionary()
    data = dictionary.canonical_data

    def has(key: str, field: str) -> bool:
        return bool(data[key].get(field))

    simple = sorted(k for k in data if re.fullmatch(r"[a-z]{5,}", k) and has(k, "medline_plus_id"))
    ordered = list(NEEDED) + [k for k in simple if has(k, "nhs_url")] + simple
    chosen: list[str] = []
    for key in ordered:
        names = names_for(key)
        title = names.inn if names else key
        if title not in chosen and len(chosen) < count:
            chosen.append(title)
    return chosen


def catalogue(lines: int, seed: int = 14) -> list[str]:
    """A wholesaler's list of about `lines` titles."""
    rng = random.Random(seed)
    dictionary = load_dictionary()
    titles: list[str] = []
    for ingredients, strengths, compound in COMBINATIONS:
        for strength in strengths:
            for form in ("Tablets", "Capsules") if "mcg" not in strength else ("Inhaler", "Dry Powder Inhaler"):
                titles.append(f"{' + '.join(ingredients)} {strength} {form}")
                if compound:
                    titles.append(f"{compound} {strength} {form}")
    names = generics(400)
    per_generic = max(1, (lines - len(titles)) // len(names))
    for name in names:
        key = dictionary.canonical_key(us_name(name) or name) or name
        variants = set(dictionary.variants_of.get(key, ()))
        salts = [s for s in SALTS if f"{name} {s}" in variants or f"{key} {s}" in variants]
        seen: set[str] = set()
        while len(seen) < per_generic:
            written = name.title()
            if salts and rng.random() < 0.4:
                written += " " + rng.choice(salts).title()
            seen.add(f"{written} {rng.choice(STRENGTHS)} {rng.choice(FORMS)}")
        titles += sorted(seen)
    return titles[:lines]


def ingredient_keys(names: list[str] | str) -> frozenset[str]:
    """The dictionary's keys of some ingredients (`codeine+acetaminophen`, or a medicine's list)."""
    parts = names.split("+") if isinstance(names, str) else names
    keys = []
    for part in parts:
        match = resolve_ingredient(part.strip().lower())
        keys.append(match.drug.key if match else fold(part.strip()))
    return frozenset(keys)


def page_bytes() -> int:
    """The home page with its CSS and JavaScript, as a small build writes them (the A–Z list does not grow)."""
    from medpages.publish.site import build_site

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "site"
        entries = [(medicine_from_title(t), None) for t in ("Paracetamol 500mg Tablets", "Zopiclone 7.5mg Tablets")]
        build_site(entries, out, state_dir=Path(folder) / "state")
        return sum((out / p).stat().st_size for p in ("index.html", "static/site.css", "static/search.js"))


# Runs the real static/search.js in Node (no DOM: fetch reads the index files from a folder) and
# times every keystroke of every query, each query in a fresh copy of the script (a first query:
# the files are read and parsed, as a browser does after fetching them).
_NODE_HARNESS = r"""
const fs = require("fs"), path = require("path");
const [script, folder, queriesFile] = process.argv.slice(2);
const source = fs.readFileSync(script, "utf8");
const queries = JSON.parse(fs.readFileSync(queriesFile, "utf8"));
global.document = { querySelector: () => null, querySelectorAll: () => [], baseURI: "http://site.test/",
                    readyState: "complete", addEventListener() {} };
let fetched = new Set();
global.fetch = (url) => {
  const file = path.join(folder, new URL(url).pathname);
  if (!fs.existsSync(file)) return Promise.resolve({ ok: false });
  fetched.add(file);
  const text = fs.readFileSync(file, "utf8");
  return Promise.resolve({ ok: true, json: () => Promise.resolve(JSON.parse(text)) });
};
(async () => {
  const out = [];
  for (const query of queries) {
    global.window = {};
    fetched = new Set();
    new Function(source)();
    const search = window.medpagesSearch, times = [];
    let results = [];
    for (let end = 1; end <= query.length; end++) {
      const t0 = performance.now();
      results = await search.searchNames(query.slice(0, end), 8);
      times.push(performance.now() - t0);
    }
    let bytes = 0;
    fetched.forEach((file) => { bytes += fs.statSync(file).size; });
    out.push({ times, bytes, paths: results.map((r) => new URL(r.url).pathname.slice(1, -1)) });
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def search_js_runs(files: dict[str, bytes], queries: list[str]) -> list[dict] | None:
    """Each query typed into the real search.js under Node: keystroke times (ms), the bytes of
    every file its keystrokes fetched and the last results' paths."""
    node = shutil.which("node")
    if node is None:
        return None
    script = Path(__file__).resolve().parents[1] / "src/medpages/publish/site/static/search.js"
    with tempfile.TemporaryDirectory() as folder:
        for relative, data in files.items():
            target = Path(folder, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        Path(folder, "queries.json").write_text(json.dumps(queries))
        Path(folder, "harness.js").write_text(_NODE_HARNESS)
        done = subprocess.run([node, str(Path(folder, "harness.js")), str(script), folder,
                               str(Path(folder, "queries.json"))], capture_output=True, text=True, check=True)
        return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--half", choices=("tune", "held-out", "fresh", "all"), default="all")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    titles = catalogue(args.lines)
    medicines = [medicine_from_title(t) for t in titles]
    records = [NameRecord.of(m) for m in medicines]
    meant_by_path = {r.path: ingredient_keys(m.ingredients or [m.generic_name or m.title])
                     for r, m in zip(records, medicines)}
    made = time.perf_counter()
    files = name_shards(records)
    indexed = time.perf_counter()
    home = page_bytes()
    index_bytes = sum(len(b) for b in files.values())
    print(f"{len(titles)} lines, {len({frozenset(v) for v in meant_by_path.values()})} distinct medicines; "
          f"catalogue {made - started:.1f} s, name index {indexed - made:.1f} s: {len(files)} files, "
          f"{index_bytes / 1024:.0f} KB; home page + CSS + JS {home / 1024:.1f} KB")

    rows: dict[tuple[str, str], list[tuple[bool, bool]]] = {}
    first_bytes: list[tuple[int, str]] = []
    python_ms: list[float] = []
    misses: list[str] = []
    queries = [(kind, query, meant, "tune" if n % 2 == 0 else "held-out") for n, (kind, query, meant) in enumerate(QUERIES)]
    queries += [(kind, query, meant, "fresh") for kind, query, meant in FRESH_QUERIES]
    js_runs = search_js_runs(files, [query for _, query, _, _ in queries])
    disagreements = []
    for number, (kind, query, meant, half) in enumerate(queries):
        want = ingredient_keys(meant)
        search = NameSearch(files)
        hits = search.search(query, limit=8)
        first_bytes.append((home + sum(len(files[p]) for p in search.fetched), query))
        timed = NameSearch(files)
        timed.search("x", limit=8)  # index.json parsed, as the web app keeps it
        t0 = time.perf_counter()
        timed.search(query, limit=8)  # the query's shards parsed for it
        python_ms.append((time.perf_counter() - t0) * 1000)
        if js_runs is not None and js_runs[number]["paths"] != [h.path for h in hits]:
            disagreements.append(query)
        found = [meant_by_path.get(h.path) == want for h in hits]
        rows.setdefault((kind, half), []).append((bool(found[:1] and found[0]), any(found[:3])))
        if not (found[:1] and found[0]):
            misses.append(f"  [{half}] {kind}: {query!r} -> {[h.title for h in hits[:3]]} (meant {meant})")

    halves = ("tune", "held-out", "fresh") if args.half == "all" else (args.half,)
    kinds = list(dict.fromkeys(kind for kind, *_ in QUERIES))
    header = f"{'kind':<14}" + "".join(f"{h + ' top-1':>16}{'top-3':>8}" for h in halves)
    print(header)
    totals = {h: [0, 0, 0] for h in halves}
    for kind in kinds:
        line = f"{kind:<14}"
        for h in halves:
            results = rows.get((kind, h), [])
            one, three = sum(r[0] for r in results), sum(r[1] for r in results)
            totals[h][0] += one
            totals[h][1] += three
            totals[h][2] += len(results)
            line += f"{f'{one}/{len(results)} {100 * one / max(1, len(results)):.0f}%':>16}{three:>8}"
        print(line)
    line = f"{'all':<14}"
    for h in halves:
        one, three, n = totals[h]
        line += f"{f'{one}/{n} {100 * one / max(1, n):.0f}%':>16}{f'{100 * three / max(1, n):.0f}%':>8}"
    print(line)
    sizes = sorted(size for size, _ in first_bytes)
    worst = max(first_bytes)
    print(f"first query bytes (name index + home page): median {statistics.median(sizes) / 1024:.0f} KB, "
          f"worst {worst[0] / 1024:.0f} KB ({worst[1]!r}); aim <= 150 KB")
    if js_runs is None:
        print("keystroke latency: node is not installed, search.js not timed")
    else:
        def line(times: list[float]) -> str:
            times = sorted(times)
            return f"p50 {times[len(times) // 2]:.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms, max {times[-1]:.1f} ms"

        print("keystroke latency (search.js in Node, each query from a cold start, files parsed when first used):")
        print(f"  after the last key: {line([run['times'][-1] for run in js_runs])}")
        print(f"  every key:          {line([t for run in js_runs for t in run['times']])}")
        print(f"  results differing from search_query.py: {disagreements or 'none'}")
        typed = sorted((home + run["bytes"], query) for run, (_, query, _, _) in zip(js_runs, queries))
        print(f"first query typed key by key (every file search.js fetched for its keystrokes, + home page): "
              f"median {statistics.median(size for size, _ in typed) / 1024:.0f} KB, "
              f"worst {typed[-1][0] / 1024:.0f} KB ({typed[-1][1]!r})")
    python_ms.sort()
    print(f"search_query.py (the web app), a whole query, index.json parsed, its shards parsed for it: p50 {python_ms[len(python_ms) // 2]:.0f} ms, "
          f"p95 {python_ms[int(len(python_ms) * 0.95)]:.0f} ms")
    if args.show_misses:
        print("misses:", *misses, sep="\n")


if __name__ == "__main__":
    sys.exit(main())
