"""IMS QTI 2.1: the worksheet's numerical questions as a content package (a zip) that Canvas (New Quizzes), ILIAS,
OpenOlat and Blackboard import.

The package holds ``imsmanifest.xml`` (IMS Content Packaging 1.1), one ``assessmentItem`` per asked cell (in
``items/``) and one ``assessmentTest`` per variant, beside the manifest so that its references to ``items/…`` hold;
a test's title names its variant, so that each student's quiz can be their own paper variant. Each item is the
question ``worksheet --format moodle`` writes: the same text, the key's value as the correct response and the same
tolerance rule (half a unit in the ``--sig-digits``-th significant digit, absolute), scored by an ``equal`` with
``toleranceMode="absolute"``; the step's worked solution is its modal feedback, shown once the question is answered.
The text is plain Unicode: QTI has no TeX, and not every one of these platforms draws MathML.

The same questions give the same bytes: the files are written in a fixed order with a fixed date.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from adadelta_cli.i18n import _
from adadelta_cli.safe import terminal

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_TYPE = "imsqti_item_xmlv2p1"
TEST_TYPE = "imsqti_test_xmlv2p1"
DATE = (1980, 1, 1, 0, 0, 0)  # every file's date in the zip: the same questions, the same bytes



def _root(tag: str, namespace: str, schema: str, **attributes: str) -> ET.Element:
    """A document's root: its elements are written unprefixed, in the namespace it declares."""
    return ET.Element(tag, {"xmlns": namespace, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{namespace} {schema}",
                            **attributes})


def identifier(q: dict) -> str:
    """An item's identifier (an XML name, whatever the parameter is called): item-v01-t2-p1-eta."""
    variant = f"v{q['variant']}-" if q["variant"] else ""
    return f"item-{variant}t{q['t']}-p{q['param_index'] + 1}-{q['quantity'].replace('_', '-')}"


def _html(parent: ET.Element, html: str) -> None:
    """The question's HTML (<p>, <br>, <strong>, text escaped by safe.xml) as QTI's XHTML content of ``parent``."""
    wrapped = ET.fromstring(f'<div>{html.replace("<br>", "<br/>")}</div>')
    for child in wrapped:
        parent.append(child)


def item(q: dict) -> bytes:
    """One assessmentItem: a float response, a text entry, scored 1 within the tolerance, the worked solution as
    modal feedback."""
    root = _root("assessmentItem", QTI, QTI_XSD, identifier=identifier(q), title=terminal(q["name"]),
                 adaptive="false", timeDependent="false")
    response = ET.SubElement(root, "responseDeclaration", identifier="RESPONSE", cardinality="single",
                             baseType="float")
    ET.SubElement(ET.SubElement(response, "correctResponse"), "value").text = q["answer"]
    for name, base, default in (("SCORE", "float", "0"), ("MAXSCORE", "float", "1"),
                                ("FEEDBACKMODAL", "identifier", None)):
        outcome = ET.SubElement(root, "outcomeDeclaration", identifier=name, cardinality="single", baseType=base)
        if default is not None:
            ET.SubElement(ET.SubElement(outcome, "defaultValue"), "value").text = default
    body = ET.SubElement(root, "itemBody")
    _html(body, q["plain_text"])
    entry = ET.SubElement(body, "p")
    entry.text = terminal(q["label"]) + " = "
    ET.SubElement(entry, "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="16")
    processing = ET.SubElement(root, "responseProcessing")
    condition = ET.SubElement(processing, "responseCondition")
    when = ET.SubElement(condition, "responseIf")
    equal = ET.SubElement(when, "equal", toleranceMode="absolute", tolerance=f"{q['tolerance']} {q['tolerance']}",
                          includeLowerBound="true", includeUpperBound="true")
    ET.SubElement(equal, "variable", identifier="RESPONSE")
    ET.SubElement(equal, "correct", identifier="RESPONSE")
    set_score = ET.SubElement(when, "setOutcomeValue", identifier="SCORE")
    ET.SubElement(set_score, "variable", identifier="MAXSCORE")
    show = ET.SubElement(processing, "setOutcomeValue", identifier="FEEDBACKMODAL")
    ET.SubElement(show, "baseValue", baseType="identifier").text = "SOLUTION"
    feedback = ET.SubElement(root, "modalFeedback", outcomeIdentifier="FEEDBACKMODAL", showHide="show",
                             identifier="SOLUTION", title=_("Worked solution"))
    _html(feedback, q["plain_solution"])
    return _document(root)


def test(test_id: str, title: str, items: list[dict]) -> bytes:
    """One assessmentTest holding ``items`` in one section, its score the sum of theirs."""
    root = _root("assessmentTest", QTI, QTI_XSD, identifier=test_id, title=terminal(title))
    for name in ("SCORE", "MAXSCORE"):
        ET.SubElement(root, "outcomeDeclaration", identifier=name, cardinality="single", baseType="float")
    part = ET.SubElement(root, "testPart", identifier=f"{test_id}-part", navigationMode="nonlinear",
                         submissionMode="individual")
    section = ET.SubElement(part, "assessmentSection", identifier=f"{test_id}-section", title=title,
                            visible="true")
    for q in items:
        ET.SubElement(section, "assessmentItemRef", identifier=identifier(q), href=f"items/{identifier(q)}.xml")
    processing = ET.SubElement(root, "outcomeProcessing")
    for name in ("SCORE", "MAXSCORE"):
        total = ET.SubElement(ET.SubElement(processing, "setOutcomeValue", identifier=name), "sum")
        ET.SubElement(total, "testVariables", variableIdentifier=name)
    return _document(root)


def manifest(package_id: str, tests: list[tuple[str, str, list[dict]]]) -> bytes:
    """imsmanifest.xml: a resource per test (depending on its items) and per item, each naming its file."""
    root = _root("manifest", CP, CP_XSD, identifier=package_id)
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "QTIv2.1 Package"
    ET.SubElement(metadata, "schemaversion").text = "1.0.0"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for test_id, _title, items in tests:
        resource = ET.SubElement(resources, "resource", identifier=test_id, type=TEST_TYPE, href=f"{test_id}.xml")
        ET.SubElement(resource, "file", href=f"{test_id}.xml")
        for q in items:
            ET.SubElement(resource, "dependency", identifierref=identifier(q))
    for _test_id, _title, items in tests:
        for q in items:
            resource = ET.SubElement(resources, "resource", identifier=identifier(q), type=ITEM_TYPE,
                                     href=f"items/{identifier(q)}.xml")
            ET.SubElement(resource, "file", href=f"items/{identifier(q)}.xml")
    return _document(root)


def _document(root: ET.Element) -> bytes:
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def seeded(name: str, seed: int | None) -> str:
    """A quiz's or category's name with the seed its gradients were drawn from: "Adam worksheet (seed 3)"."""
    return name if seed is None else _("%(name)s (seed %(seed)s)") % {"name": name, "seed": seed}


def variant_category(variant: str) -> str:
    """The name of a variant's category (Moodle) or test (QTI): Variant 01."""
    return _("Variant %(id)s") % {"id": variant}


def package(questions: list[dict], title: str, seed: int | None = None) -> bytes:
    """The zip: imsmanifest.xml, a test per variant (test-v01.xml …; test.xml without variants), items/…."""
    variants: dict[str, list[dict]] = {}
    for q in questions:
        variants.setdefault(q["variant"], []).append(q)
    tests = []
    for variant, items in variants.items():
        test_id = f"test-v{variant}" if variant else "test"
        name = f"{title}: {variant_category(variant)}" if variant else title
        tests.append((test_id, seeded(name, seed), items))
    package_id = "adadelta-" + re.sub(r"[^A-Za-z0-9-]", "-", f"worksheet-{seed}" if seed is not None else "worksheet")
    files = [("imsmanifest.xml", manifest(package_id, tests))]
    files += [(f"{test_id}.xml", test(test_id, name, items)) for test_id, name, items in tests]
    files += [(f"items/{identifier(q)}.xml", item(q)) for q in questions]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
