"""worksheet --format qti: an IMS QTI 2.1 content package, read back as an importer reads it.

The IMS schema files cannot be fetched here, so each document is checked against the parts of the QTI 2.1 and IMS
Content Packaging 1.1 information models it uses: the namespaces, the elements allowed in each place and their order,
the required attributes, the references between the manifest, the tests and the items; and each item's response
processing is carried out on answers (a QTI ``equal`` with an absolute tolerance) as a delivery engine would."""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
import zipfile

import pytest

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

# QTI 2.1: the children each element may have, in the order the schema's sequences give them.
ORDER = {
    "assessmentItem": ["responseDeclaration", "outcomeDeclaration", "templateDeclaration", "templateProcessing",
                       "stylesheet", "itemBody", "responseProcessing", "modalFeedback"],
    "assessmentTest": ["timeLimits", "outcomeDeclaration", "testPart", "outcomeProcessing", "testFeedback"],
    "responseDeclaration": ["defaultValue", "correctResponse", "mapping", "areaMapping"],
    "outcomeDeclaration": ["defaultValue", "matchTable", "interpolationTable"],
}
REQUIRED = {
    "assessmentItem": {"identifier", "title", "adaptive", "timeDependent"},
    "assessmentTest": {"identifier", "title"},
    "responseDeclaration": {"identifier", "cardinality"},
    "outcomeDeclaration": {"identifier", "cardinality"},
    "textEntryInteraction": {"responseIdentifier"},
    "equal": {"toleranceMode"},
    "testPart": {"identifier", "navigationMode", "submissionMode"},
    "assessmentSection": {"identifier", "title", "visible"},
    "assessmentItemRef": {"identifier", "href"},
    "modalFeedback": {"outcomeIdentifier", "showHide", "identifier"},
    "setOutcomeValue": {"identifier"},
    "variable": {"identifier"},
    "correct": {"identifier"},
    "baseValue": {"baseType"},
    "testVariables": {"variableIdentifier"},
}
# Every element the package uses, by the specification's names: anything else is a mistake.
KNOWN = set(ORDER) | set(REQUIRED) | {"correctResponse", "value", "defaultValue", "itemBody", "p", "br", "strong",
                                      "div", "responseProcessing", "responseCondition", "responseIf", "sum",
                                      "outcomeProcessing"}
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_.-]*$"  # QTI's identifier: an XML NCName


def local(tag: str) -> str:
    return tag.split("}", 1)[1]


def check_structure(root: ET.Element) -> None:
    import re

    assert root.tag.startswith(QTI), root.tag
    assert root.get(f"{XSI}schemaLocation", "").startswith("http://www.imsglobal.org/xsd/imsqti_v2p1 ")
    for element in root.iter():
        name = local(element.tag)
        assert element.tag.startswith(QTI) and name in KNOWN, element.tag
        assert REQUIRED.get(name, set()) <= set(element.attrib), (name, element.attrib)
        if name in ORDER:
            places = [ORDER[name].index(local(child.tag)) for child in element]
            assert places == sorted(places), (name, [local(c.tag) for c in element])
        for key in ("identifier", "responseIdentifier", "outcomeIdentifier"):
            if key in element.attrib:
                assert re.match(IDENTIFIER, element.get(key)), element.get(key)
    if local(root.tag) == "assessmentItem":
        interactions = root.findall(f".//{QTI}textEntryInteraction")
        assert len(interactions) == 1
        assert root.find(f"{QTI}itemBody/{QTI}p/{QTI}textEntryInteraction") is not None  # inline: inside a block


def package(run, tmp_path, *args) -> tuple[dict, dict[str, ET.Element]]:
    target = tmp_path / "quiz.zip"
    result = run("worksheet", *args, "--format", "qti", "-o", target)
    assert result.exit_code == 0, result.stderr
    return read(target.read_bytes())


def read(data: bytes) -> tuple[dict, dict[str, ET.Element]]:
    """The manifest's resources (identifier -> (type, href, files, dependencies)) and every XML file, parsed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        files = {name: ET.fromstring(archive.read(name)) for name in archive.namelist()}
    manifest = files.pop("imsmanifest.xml")
    assert manifest.tag == f"{CP}manifest" and manifest.get("identifier")
    assert [local(c.tag) for c in manifest] == ["metadata", "organizations", "resources"]
    assert manifest.findtext(f"{CP}metadata/{CP}schema") == "QTIv2.1 Package"
    resources = {}
    for resource in manifest.iter(f"{CP}resource"):
        hrefs = [f.get("href") for f in resource.findall(f"{CP}file")]
        assert resource.get("href") in hrefs and all(h in files for h in hrefs)  # every file named is there
        resources[resource.get("identifier")] = (resource.get("type"), resource.get("href"), hrefs, [
            d.get("identifierref") for d in resource.findall(f"{CP}dependency")])
    assert sorted(h for r in resources.values() for h in r[2]) == sorted(files)  # and nothing else is
    for kind, href, _files, needs in resources.values():
        assert kind in ("imsqti_item_xmlv2p1", "imsqti_test_xmlv2p1")
        assert all(resources[n][0] == "imsqti_item_xmlv2p1" for n in needs)
        check_structure(files[href])
        expected = "assessmentItem" if kind == "imsqti_item_xmlv2p1" else "assessmentTest"
        assert local(files[href].tag) == expected
    return resources, files


def scores(item: ET.Element, response: float) -> bool:
    """The item's response processing carried out on ``response``: an ``equal`` with an absolute tolerance of the
    response and the correct response (the QTI 2.1 rule: within [correct − t0, correct + t1], bounds included)."""
    correct = float(item.findtext(f"{QTI}responseDeclaration/{QTI}correctResponse/{QTI}value"))
    equal = item.find(f".//{QTI}responseIf/{QTI}equal")
    assert equal.get("toleranceMode") == "absolute"
    assert [local(c.tag) for c in equal] == ["variable", "correct"]
    low, high = (float(t) for t in equal.get("tolerance").split())
    return correct - low <= response <= correct + high


def key_rows(run, *args) -> list[dict]:
    text = run("worksheet", *args, "--answers").stdout
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def test_one_item_per_asked_cell_with_the_keys_answer_and_tolerance(run, tmp_path):
    resources, files = package(run, tmp_path, "0.1", "0.2", "0.15", "--hide", "eta,dx")
    items = {i: files[r[1]] for i, r in resources.items() if r[0] == "imsqti_item_xmlv2p1"}
    assert len(items) == 3 * 2
    tests = [files[r[1]] for r in resources.values() if r[0] == "imsqti_test_xmlv2p1"]
    assert len(tests) == 1
    refs = [r.get("identifier") for r in tests[0].iter(f"{QTI}assessmentItemRef")]
    assert refs == [f"item-t{t}-p1-{q}" for t in (1, 2, 3) for q in ("eta", "dx")]
    for row in key_rows(run, "0.1", "0.2", "0.15", "--hide", "eta,dx"):
        for quantity in ("eta", "dx"):
            item = items[f"item-t{row['t']}-p1-{quantity}"]
            key = float(row[quantity])
            assert float(item.findtext(f".//{QTI}correctResponse/{QTI}value")) == key
            # Moodle's rule: half a unit in the third significant digit, so the value rounded to 3 digits passes.
            unit = 10 ** (math.floor(math.log10(abs(key))) - 2)
            assert float(item.find(f".//{QTI}equal").get("tolerance").split()[0]) == pytest.approx(unit / 2)
            assert scores(item, float(f"{key:.3g}")) and scores(item, key)
            assert not scores(item, key + 0.6 * unit) and not scores(item, -key)
            feedback = item.find(f"{QTI}modalFeedback")  # the step's worked solution
            assert f"η_{row['t']} = √(" in "".join(feedback.itertext())
            assert item.get("title") == {"eta": "η", "dx": "Δx"}[quantity] + f"_{row['t']}"
    eta_1 = items["item-t1-p1-eta"]
    assert float(eta_1.findtext(f".//{QTI}correctResponse/{QTI}value")) == 0.0446767  # the article's η_1
    text = "".join(eta_1.find(f"{QTI}itemBody").itertext())
    assert "g_1 = 0.1" in text and "Compute η_1 to at least 3 significant digits." in text


def test_variants_one_test_each_named_by_it_and_the_same_bytes_every_time(run, tmp_path):
    folder = tmp_path / "class"
    args = ["worksheet", "--variants", "3", "--seed", "4", "--steps", "2", "--hide", "eta", "--format", "qti",
            "--sig-digits", "4", "-o", folder]
    assert run(*args).exit_code == 0
    data = (folder / "quiz-qti.zip").read_bytes()
    resources, files = read(data)
    tests = {r[1]: files[r[1]] for r in resources.values() if r[0] == "imsqti_test_xmlv2p1"}
    assert sorted(tests) == ["test-v01.xml", "test-v02.xml", "test-v03.xml"]
    for n, (_href, doc) in enumerate(sorted(tests.items()), start=1):
        assert f"Variant 0{n}" in doc.get("title") and "seed 4" in doc.get("title")
        refs = [r.get("identifier") for r in doc.iter(f"{QTI}assessmentItemRef")]
        assert refs == [f"item-v0{n}-t1-p1-eta", f"item-v0{n}-t2-p1-eta"]
        key = list(csv.DictReader(line for line in (folder / "keys" / f"key-0{n}.csv").read_text().splitlines()
                                  if not line.startswith("#")))
        for ref, row in zip(refs, key):
            item = files[f"items/{ref}.xml"]
            assert float(item.findtext(f".//{QTI}correctResponse/{QTI}value")) == float(row["eta"])
            assert "4 significant digits" in "".join(item.find(f"{QTI}itemBody").itertext())
    assert run(*args).exit_code == 0 and (folder / "quiz-qti.zip").read_bytes() == data  # nothing changed


def test_hostile_names_stay_text(run, tmp_path):
    data = tmp_path / "named.csv"
    data.write_text('"<b>&x</b>",权重\n0.1,0.2\n', encoding="utf-8")
    resources, files = package(run, tmp_path, data, "--hide", "eta")
    items = [files[r[1]] for r in resources.values() if r[0] == "imsqti_item_xmlv2p1"]
    assert len(items) == 2
    assert items[0].get("title") == "η_1 (<b>&x</b>)" and items[1].get("title") == "η_1 (权重)"
    assert all(e.tag != f"{QTI}b" for item in items for e in item.iter())  # a name is never markup


def test_qti_needs_a_file(run):
    result = run("worksheet", "0.1", "--format", "qti")
    assert result.exit_code == 2 and "-o FILE.zip" in result.stderr and "Traceback" not in result.stderr
