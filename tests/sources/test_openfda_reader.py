"""openFDA drug-label JSON read as a stream: records, sections, and files that are broken or hostile."""

from __future__ import annotations

import io
import json
import tracemalloc
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medpages.errors import InputError
from medpages.model.label import LabelDocument
from medpages.sources.facts import extract_facts
from medpages.sources.openfda import (
    RecordTooLarge,
    UnreadableRecord,
    iter_openfda_labels,
    iter_openfda_records,
    label_from_record,
)

from label_samples import LIPITOR_SET_ID, OPENFDA_LABELS, OPENFDA_SYNTHETIC, openfda_documents


def read(data: bytes, **options) -> list[LabelDocument | UnreadableRecord]:
    return list(iter_openfda_labels(io.BytesIO(data), origin="labels.json", **options))


def record(number: int, **fields) -> dict:
    return {"set_id": f"0000aaaa-0000-4000-8000-{number:012d}", "version": "1", "effective_time": "20200101",
            "indications_and_usage": [f"1 INDICATIONS AND USAGE Synthetic label {number}."],
            "openfda": {"generic_name": ["EXAMPLAMINE"], "substance_name": ["EXAMPLAMINE"]}, **fields}


def test_the_published_shape_is_read_record_by_record() -> None:
    documents = openfda_documents(OPENFDA_LABELS)
    assert [d.set_id for d in documents] == [LIPITOR_SET_ID, "00f66f25-3469-4c16-9baf-fba21e9628bd"]
    lipitor = documents[0]
    assert (lipitor.kind, lipitor.version, lipitor.effective_date) == ("openfda", 11, date(2014, 1, 13))
    assert lipitor.document_type == "HUMAN PRESCRIPTION DRUG LABEL"
    assert lipitor.labeler == "Parke-Davis Div of Pfizer Inc"
    assert lipitor.substance_names == ["ATORVASTATIN CALCIUM TRIHYDRATE"]
    assert lipitor.pharmacologic_classes == ["HMG-CoA Reductase Inhibitor"]
    assert [(p.name, p.generic_name, p.routes) for p in lipitor.products] == [
        ("LIPITOR", "ATORVASTATIN CALCIUM", ["oral"])]


def test_flat_section_text_becomes_headings_and_subsections() -> None:
    lipitor = openfda_documents(OPENFDA_LABELS)[0]
    warnings = next(s for s in lipitor.sections if s.key == "warnings_and_precautions")
    assert warnings.heading == "5 WARNINGS AND PRECAUTIONS" and warnings.code == "43685-7"
    assert [s.heading for s in warnings.subsections] == [
        "5.1 Skeletal Muscle", "5.2 Liver Dysfunction", "5.3 Endocrine Function", "5.4 CNS Toxicity",
        "5.5 Use in Patients with Recent Stroke or TIA",
    ]
    assert warnings.subsections[0].text.startswith("Rare cases of rhabdomyolysis")
    # Cross-references such as "(5.1)" are not taken for subsection starts.
    interactions = next(s for s in lipitor.sections if s.key == "drug_interactions")
    assert [s.number for s in interactions.subsections] == [f"7.{n}" for n in range(1, 12)]
    pregnancy = next(s for s in lipitor.sections if s.key == "pregnancy")
    assert pregnancy.heading == "8.1 Pregnancy" and pregnancy.text.startswith("Pregnancy Category X")


def test_otc_headings_and_bullets() -> None:
    otc = openfda_documents(OPENFDA_LABELS)[1]
    by_key = {s.key: s for s in otc.sections}
    assert by_key["indications"].heading == "Uses"
    assert by_key["indications"].text.startswith("temporarily relieves\n\n- sneezing\n- itchy nose or throat\n")
    assert by_key["dosage"].heading == "Directions"
    assert by_key["keep_out_of_reach_of_children"].text.startswith("In case of overdose")
    assert by_key["ask_doctor"].heading == "Ask a doctor before use if the child has"


def test_bad_records_are_reported_and_the_rest_read() -> None:
    with OPENFDA_SYNTHETIC.open("rb") as stream:
        items = list(iter_openfda_labels(stream, origin="synthetic.json"))
    problems = [(i.origin, i.reason) for i in items if isinstance(i, UnreadableRecord)]
    assert problems == [("synthetic.json record 5", "the record has no set_id"),
                        ("synthetic.json record 6", "a record is a JSON object, not str")]
    assert len([i for i in items if isinstance(i, LabelDocument)]) == 5


def test_a_bare_list_a_bom_and_numbers_for_strings() -> None:
    data = b"\xef\xbb\xbf  " + json.dumps([record(1, version=3), record(2, effective_time=20210102)]).encode()
    first, second = read(data)
    assert first.version == 3 and second.effective_date == date(2021, 1, 2)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"   \n", "the file is empty"),
    (b"<html>", "not JSON"),
    (b'{"meta": {}, "results": []}', "no labels in this file"),
    (b'{"meta": {}}', "no labels in this file"),
])
def test_files_that_hold_no_labels(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read(data)


def test_malformed_json_keeps_the_records_before_it() -> None:
    good = json.dumps(record(1))
    data = ('{"results": [' + good + ', {"set_id": "x", oops}]}').encode()
    items = iter_openfda_labels(io.BytesIO(data), origin="broken.json")
    assert next(items).set_id.endswith("1")
    with pytest.raises(InputError, match=r"^broken\.json: malformed JSON after record 1"):
        next(items)


def test_a_truncated_file_is_reported() -> None:
    data = json.dumps({"results": [record(1), record(2)]}).encode()[:-40]
    with pytest.raises(InputError, match="malformed JSON after record 1"):
        read(data)


def test_a_huge_string_is_refused_without_holding_it() -> None:
    huge = b'{"results": [' + json.dumps(record(1)).encode() + b', {"set_id": "' + b"x" * 8_000_000 + b'"}]}'
    tracemalloc.start()
    try:
        items = iter_openfda_labels(io.BytesIO(huge), origin="huge.json", max_record_bytes=1_000_000)
        assert next(items).set_id.endswith("1")
        with pytest.raises(RecordTooLarge, match=r"record 2 is larger than 1,000,000 bytes"):
            next(items)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000  # the 8 MB string was never held whole


def test_memory_does_not_grow_with_the_file() -> None:
    def peak_for(count: int) -> tuple[int, int]:
        records = ", ".join(json.dumps(record(n, adverse_reactions=["6 ADVERSE REACTIONS " + "Synthetic text. " * 300]))
                            for n in range(count))
        data = ('{"meta": {"note": "synthetic"}, "results": [' + records + "]}").encode()
        tracemalloc.start()
        try:
            read_count = sum(1 for _ in iter_openfda_labels(io.BytesIO(data), origin="many.json"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert read_count == count
        return len(data), peak

    small_size, small_peak = peak_for(100)
    large_size, large_peak = peak_for(800)
    assert large_size > 7 * small_size
    assert large_peak < small_peak * 1.5 + 200_000


def test_records_are_numbered_from_one() -> None:
    data = json.dumps({"results": [1, "two", {"three": 3}]}).encode()
    assert list(iter_openfda_records(io.BytesIO(data), origin="x.json")) == [(1, 1), (2, "two"), (3, {"three": 3})]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["set_id", "version", "effective_time", "id", "indications_and_usage", "adverse_reactions",
          "warnings_and_cautions", "openfda", "boxed_warning", "dosage_and_administration"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES | st.lists(st.text(max_size=200), max_size=3)))
def test_any_record_gives_a_label_or_an_input_error(record: dict) -> None:
    try:
        document = label_from_record(record, origin="random.json record 1")
    except InputError:
        return
    extract_facts(document)
