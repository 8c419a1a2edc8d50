"""The label sections medpages knows: LOINC code, openFDA field name and our key for each.

SPL documents name each section by a LOINC code; openFDA's drug-label JSON names the same
sections by field (`adverse_reactions`). One table serves both readers, so a section has one
key whichever format it came from. Codes from the FDA's SPL section list
(https://www.fda.gov/industry/structured-product-labeling-resources/section-headers-loinc).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SectionKind:
    key: str  # medpages' name, also the openFDA field unless `openfda` says otherwise
    codes: tuple[str, ...]  # LOINC codes; the first is the one SPL usually uses
    title: str  # the heading to show when a section has none of its own
    openfda: str | None = None  # the openFDA field, when it differs from `key`


SECTION_KINDS: tuple[SectionKind, ...] = (
    # Prescription (PLR) labels
    SectionKind("boxed_warning", ("34066-1",), "Boxed Warning"),
    SectionKind("recent_major_changes", ("43683-2",), "Recent Major Changes"),
    SectionKind("indications", ("34067-9",), "Indications and Usage", "indications_and_usage"),
    SectionKind("dosage", ("34068-7",), "Dosage and Administration", "dosage_and_administration"),
    SectionKind("dosage_forms_and_strengths", ("43678-2",), "Dosage Forms and Strengths"),
    SectionKind("contraindications", ("34070-3",), "Contraindications"),
    SectionKind("warnings_and_precautions", ("43685-7",), "Warnings and Precautions", "warnings_and_cautions"),
    SectionKind("warnings", ("34071-1",), "Warnings"),
    SectionKind("precautions", ("42232-9",), "Precautions"),
    SectionKind("general_precautions", ("34072-9",), "General Precautions"),
    SectionKind("adverse_reactions", ("34084-4",), "Adverse Reactions"),
    SectionKind("drug_interactions", ("34073-7",), "Drug Interactions"),
    SectionKind("drug_and_laboratory_test_interactions", ("34074-5",), "Drug and Laboratory Test Interactions"),
    SectionKind("use_in_specific_populations", ("43684-0",), "Use in Specific Populations"),
    SectionKind("pregnancy", ("42228-7",), "Pregnancy"),
    SectionKind("teratogenic_effects", ("34077-8",), "Teratogenic Effects"),
    SectionKind("nonteratogenic_effects", ("34078-6",), "Nonteratogenic Effects"),
    SectionKind("labor_and_delivery", ("34079-4",), "Labor and Delivery"),
    SectionKind("lactation", ("77290-5",), "Lactation"),
    SectionKind("nursing_mothers", ("34080-2",), "Nursing Mothers"),
    SectionKind("females_and_males_of_reproductive_potential", ("77291-3",),
                "Females and Males of Reproductive Potential"),
    SectionKind("pediatric_use", ("34081-0",), "Pediatric Use"),
    SectionKind("geriatric_use", ("34082-8",), "Geriatric Use"),
    SectionKind("renal_impairment", ("88828-9",), "Renal Impairment"),
    SectionKind("hepatic_impairment", ("88829-7",), "Hepatic Impairment"),
    SectionKind("drug_abuse_and_dependence", ("42227-9",), "Drug Abuse and Dependence"),
    SectionKind("controlled_substance", ("34085-1",), "Controlled Substance"),
    SectionKind("abuse", ("34086-9",), "Abuse"),
    SectionKind("dependence", ("34087-7",), "Dependence"),
    SectionKind("overdosage", ("34088-5",), "Overdosage"),
    SectionKind("description", ("34089-3",), "Description"),
    SectionKind("clinical_pharmacology", ("34090-1",), "Clinical Pharmacology"),
    SectionKind("mechanism_of_action", ("43679-0",), "Mechanism of Action"),
    SectionKind("pharmacodynamics", ("43681-6",), "Pharmacodynamics"),
    SectionKind("pharmacokinetics", ("43682-4",), "Pharmacokinetics"),
    SectionKind("nonclinical_toxicology", ("43680-8",), "Nonclinical Toxicology"),
    SectionKind("carcinogenesis_and_mutagenesis_and_impairment_of_fertility", ("34083-6",),
                "Carcinogenesis, Mutagenesis, Impairment of Fertility"),
    SectionKind("clinical_studies", ("34092-7",), "Clinical Studies"),
    SectionKind("references", ("34093-5",), "References"),
    SectionKind("how_supplied", ("34069-5",), "How Supplied"),
    SectionKind("storage_and_handling", ("44425-7",), "Storage and Handling"),
    SectionKind("information_for_patients", ("34076-0",), "Patient Counseling Information"),
    SectionKind("laboratory_tests", ("34075-2",), "Laboratory Tests"),
    SectionKind("patient_package_insert", ("42230-3",), "Patient Information", "spl_patient_package_insert"),
    SectionKind("medication_guide", ("42231-1",), "Medication Guide", "spl_medguide"),
    SectionKind("instructions_for_use", ("59845-8",), "Instructions for Use"),
    SectionKind("package_label", ("51945-4",), "Package Label", "package_label_principal_display_panel"),
    SectionKind("unclassified", ("42229-5",), "", "spl_unclassified_section"),
    # OTC "Drug Facts" labels
    SectionKind("active_ingredient", ("55106-9",), "Active Ingredient"),
    SectionKind("purpose", ("55105-1",), "Purpose"),
    SectionKind("do_not_use", ("50570-1",), "Do Not Use"),
    SectionKind("ask_doctor", ("50569-3",), "Ask a Doctor Before Use"),
    SectionKind("ask_doctor_or_pharmacist", ("50568-5",), "Ask a Doctor or Pharmacist Before Use"),
    SectionKind("when_using", ("50567-7",), "When Using This Product"),
    SectionKind("stop_use", ("50566-9",), "Stop Use and Ask a Doctor If"),
    SectionKind("keep_out_of_reach_of_children", ("50565-1",), "Keep Out of Reach of Children"),
    SectionKind("pregnancy_or_breast_feeding", ("53414-9",), "If Pregnant or Breast-Feeding"),
    SectionKind("inactive_ingredient", ("51727-6",), "Inactive Ingredients"),
    SectionKind("questions", ("53413-1",), "Questions"),
    SectionKind("other_safety_information", ("60561-8",), "Other Information"),
    SectionKind("user_safety_warnings", ("54433-8",), "User Safety Warnings"),
)

BY_KEY: dict[str, SectionKind] = {kind.key: kind for kind in SECTION_KINDS}
BY_CODE: dict[str, SectionKind] = {code: kind for kind in SECTION_KINDS for code in kind.codes}
BY_OPENFDA_FIELD: dict[str, SectionKind] = {kind.openfda or kind.key: kind for kind in SECTION_KINDS}

# SPL's product data section: read as products, not as text.
PRODUCT_DATA_CODE = "48780-1"


def kind_for_code(code: str | None) -> SectionKind | None:
    return BY_CODE.get(code or "")


def kind_for_openfda_field(field: str) -> SectionKind | None:
    return BY_OPENFDA_FIELD.get(field)
