"""Where the tests' real inputs live: tests/fixtures, inside the repository, so a fresh clone is enough.

The seed page (its exact bytes: no final newline), two DailyMed SPL labels (`spl/`) and 41 more
real FDA labels (`labels/`, listed in INDEX.tsv). Test modules anywhere under tests/ import these
names (`from fixture_files import SPL_DIR`): tests/ is on sys.path because tests/conftest.py sits
in a folder that is not a package. (Not in conftest.py itself: every conftest.py outside a package
is imported as the module `conftest`, so `from conftest import ...` gets whichever came last.)
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_PAGE = FIXTURES / "seed" / "000_5abc8e4ecc893f8a.txt"
SPL_DIR = FIXTURES / "spl"
LIPITOR_XML = SPL_DIR / "lipitor-atorvastatin.xml"
OTC_XML = SPL_DIR / "otc-cough.xml"
LABELS_DIR = FIXTURES / "labels"
