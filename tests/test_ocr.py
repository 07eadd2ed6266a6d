"""OCR: the installation check, and one real page through Tesseract."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pydantic import ValidationError

from pipeline.errors import OcrError
from pipeline.lexicon import StoredAnswers
from pipeline.ocr import _in_long_runs, _read_words, calibrate, ocr_page
from pipeline.rules import OcrRules, load_rules
from pipeline.render import PageSource, render_page
from pipeline.repair import repair_lines
from pipeline.tesseract import OcrJob, OcrSettings, check_tesseract
from tests.conftest import CORPUS_INPUTS, CORPUS_TRUTH


def test_missing_language_data_names_the_apt_command():
    with pytest.raises(OcrError, match="apt-get install tesseract-ocr-xyz"):
        check_tesseract("swe+xyz")


def test_missing_script_data_names_its_debian_package():
    with pytest.raises(OcrError, match="apt-get install tesseract-ocr-script-grek"):  # Debian names script models apart
        check_tesseract("swe+Greek")


def test_language_data_fingerprints_are_kept_between_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import hashlib
    import pickle

    from pipeline import tesseract

    def fresh_process() -> None:  # a new run: nothing in memory, the kept fingerprints read from the cache folder
        monkeypatch.setattr(tesseract, "_FINGERPRINTS", StoredAnswers(lambda: stored))
        check_tesseract.cache_clear()

    stored = tmp_path / tesseract.TRAINEDDATA_HASHES
    fresh_process()
    try:
        info = check_tesseract("swe")
        tesseract._FINGERPRINTS.save()  # as the process's end does
        ((key, digest),) = pickle.loads(stored.read_bytes()).items()
        assert digest == info.traineddata_sha256["swe"] == hashlib.sha256(Path(key[0]).read_bytes()).hexdigest()
        stored.write_bytes(pickle.dumps({key: "f" * 64}))  # the next run takes the kept fingerprint, not the file's bytes
        fresh_process()
        assert check_tesseract("swe").traineddata_sha256["swe"] == "f" * 64
    finally:
        check_tesseract.cache_clear()


def test_installed_swedish_data_is_fingerprinted():
    info = check_tesseract("swe")
    assert info.version.startswith("5") and len(info.traineddata_sha256["swe"]) == 64


def test_ocr_page_reads_words_with_boxes_in_points():
    source = PageSource(CORPUS_INPUTS / "scans-200" / "000-iop-ikf.pdf", "application/pdf", 1, 200)
    result = ocr_page(OcrJob("doc", 2, source, 595.28, 841.89, OcrSettings()))
    assert result.warnings == ("prepared_deskew",)  # the scan is turned 1.2 degrees
    words = [w.text for w in result.words]
    truth = (CORPUS_TRUTH / "000-iop-ikf.txt").read_text().split("\f")[1].split()
    assert len(words) == pytest.approx(len(truth), rel=0.05)
    assert "454" in words and "Linköpings" in words
    for word in result.words:
        assert 0 <= word.bbox.x0 < word.bbox.x1 <= 595.28 and 0 <= word.bbox.top < word.bbox.bottom <= 841.89
        assert 0 <= word.confidence <= 1 and word.origin == "ocr"
    assert result.evidence[:2] == b"\xff\xd8" and result.evidence_scale == pytest.approx(100 / 72, rel=0.01)


def test_a_page_handed_to_tesseract_as_pnm_reads_as_it_did_as_png(monkeypatch):
    """PNM is only faster to write and read: no resolution in either, the same pixels, the same words."""
    source = PageSource(CORPUS_INPUTS / "scans-300" / "000-iop-ikf.pdf", "application/pdf", 0, 300)
    job = OcrJob("doc", 1, source, 595.28, 841.89, OcrSettings())
    page = render_page(source, dpi=300)
    part = page.crop((0, page.height // 6, page.width, page.height // 3))  # the decision and the parties
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")  # as in a run: one Tesseract thread a page
    as_pnm = _read_words(part.copy(), job, 0, 3)
    monkeypatch.setattr("pipeline.ocr.HANDOFF_MODES", frozenset())
    as_png = _read_words(part.copy(), job, 0, 3)
    assert len(as_pnm) > 50 and as_pnm == as_png


def test_percent_signs_are_reread_and_scanned_form_kept():
    """The Swedish model reads "70%" as "7094"; the re-read restores it and keeps the scan."""
    source = PageSource(CORPUS_INPUTS / "scans-300" / "004-iop-bilda-erikshjalpen.pdf", "application/pdf", 2, 300)
    result = ocr_page(OcrJob("doc", 3, source, 595.28, 841.89, OcrSettings()))
    reread = {w.text for w in result.words if w.repair and w.repair.reason == "percent-sign-reread"}
    assert {"70%", "25%", "5%", "100%"} <= reread
    assert all(w.repair.scanned != w.text for w in result.words if w.repair)
    assert not any("%" in w.text for w in result.words if w.text.isdigit())


def test_a_decimal_percentage_is_reread_with_its_comma():
    """37:69 "eller 1,2%." and 37:85 "eller 5,2%." on a 300 dpi photocopy: the Swedish model reads
    "1,296." and "5,296.", the English one "1,2%." (a reading that drops the comma keeps the page's)."""
    pdf = CORPUS_INPUTS.parent / "real" / "captures" / "photocopy-300" / "37_teknik-arsredovisning-2024-arets-resultat.pdf"
    result = ocr_page(OcrJob("37", 2, PageSource(pdf, "application/pdf", 1, 300), 595.28, 841.89, OcrSettings()))
    reread = {w.repair.scanned: w.text for w in result.words if w.repair and w.repair.reason == "percent-sign-reread"}
    assert reread.get("1,296.") == "1,2%." and reread.get("5,296.") == "5,2%."


def test_a_decimal_percentage_read_again_with_a_point_keeps_the_page_comma():
    """37:27 "-9,6 miljoner kronor eller 4,1%." photographed: the Swedish model reads "4,196.", the
    English one "4.1%."; the word becomes "4,1%." as printed."""
    pdf = CORPUS_INPUTS.parent / "real" / "captures" / "phone" / "37_teknik-arsredovisning-2024-arets-resultat.pdf"
    result = ocr_page(OcrJob("37", 1, PageSource(pdf, "application/pdf", 0, 200), 595.28, 841.89, OcrSettings()))
    reread = {w.repair.scanned: w.text for w in result.words if w.repair and w.repair.reason == "percent-sign-reread"}
    assert reread.get("4,196.") == "4,1%."


@pytest.mark.parametrize("degrees", [180, 90])
def test_a_page_scanned_turned_is_read_upright_with_boxes_on_the_scan(tmp_path, degrees):
    from PIL import Image

    from pipeline.render import render_page

    upright = render_page(PageSource(CORPUS_INPUTS / "scans-200" / "000-iop-ikf.pdf", "application/pdf", 1, 200))
    path = tmp_path / "turned.png"
    upright.rotate(degrees, expand=True).save(path, dpi=(200, 200))  # counter-clockwise, as a careless scan
    width, height = Image.open(path).size
    job = OcrJob("doc", 1, PageSource(path, "image/png", 0, 200), width * 72 / 200, height * 72 / 200, OcrSettings())
    result = ocr_page(job)
    assert result.warnings == ("prepared_deskew", f"turned_{degrees}")
    words = [w.text for w in result.words]
    assert "454" in words and "Linköpings" in words
    for word in result.words:
        assert 0 <= word.bbox.x0 < word.bbox.x1 <= job.width + 1 and 0 <= word.bbox.top < word.bbox.bottom <= job.height + 1
    if degrees == 180:  # the first word read stands at the bottom right of the turned scan
        first = result.words[0].bbox
        assert first.top > job.height / 2 and first.x1 > job.width / 2


def test_confidence_calibration_map():
    knots = ((0.0, 0.0), (0.5, 0.3), (0.9, 0.8), (1.0, 0.99))
    assert calibrate(0.7, knots) == pytest.approx(0.55)
    assert calibrate(0.95, knots) == pytest.approx(0.895)
    assert calibrate(0.96, ()) == 0.96  # no map: Tesseract's own
    shipped = load_rules().ocr.confidence_map
    values = [calibrate(c / 100, shipped) for c in range(101)]
    assert values == sorted(values) and 0 <= values[0] and values[-1] <= 1
    # measured on held-out dev pages of the capture profiles (bench/calibrate_confidence.py, words as the
    # pipeline reads them): Tesseract's 0.70-0.80 were right 58 % of the time, 0.90-1.00 (mean 0.95) 99.0 %
    assert calibrate(0.75, shipped) == pytest.approx(0.58, abs=0.07)
    assert calibrate(0.95, shipped) == pytest.approx(0.990, abs=0.02)
    assert calibrate(0.6, shipped) < 0.6 < calibrate(0.9, shipped)  # "low confidence" now means doubtful
    with pytest.raises(ValidationError, match="never fall"):
        OcrRules(confidence_map=((0.0, 0.2), (0.5, 0.1), (1.0, 1.0)))
    with pytest.raises(ValidationError):  # a look-alike that changes nothing
        OcrRules(confidence_map=((0.0, 0.0), (1.0, 1.0)), letter_lookalikes=(("a", "a", 6),))
    with pytest.raises(ValidationError, match="neither a letter, a digit"):  # a minus read as a digit would eat a figure's digit
        OcrRules(confidence_map=((0.0, 0.0), (1.0, 1.0)), minus_misreadings=("1",))
    with pytest.raises(ValidationError, match="a Tesseract language or script name"):  # one language an entry
        OcrRules(confidence_map=((0.0, 0.0), (1.0, 1.0)), hard_capture_languages=("swe+Latin",))


def test_digit_groups_joined_by_tesseract_are_split_at_the_gaps_the_page_shows():
    """"2 500" read as "2500" is split where the print leaves a space; "2024" and "1100" stay whole."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.model import BBox, Word
    from pipeline.ocr import split_digit_groups

    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    try:
        font = ImageFont.truetype(font_path, 42)  # 10 pt at 300 dpi
    except OSError:
        pytest.skip(f"{font_path} not installed")
    image = Image.new("L", (1200, 120), 255)
    draw = ImageDraw.Draw(image)
    words, x = [], 20
    for printed in ("2 500", "2024", "1100", "12 500 000"):
        box = draw.textbbox((x, 30), printed, font=font)
        draw.text((x, 30), printed, font=font, fill=0)
        read = printed.replace(" ", "")  # as Tesseract reads a table row
        words.append(Word(text=read, bbox=BBox(*(v * 72 / 300 for v in box)), line=1, block=1, confidence=0.9, origin="ocr"))
        x = box[2] + 60
    job = OcrJob("doc", 1, PageSource(Path("page.png"), "image/png", 0, 300), 1200 * 72 / 300, 120 * 72 / 300, OcrSettings())
    split = split_digit_groups(image, tuple(words), job)
    assert [w.text for w in split] == ["2", "500", "2024", "1100", "12", "500", "000"]
    two, five = split[0].bbox, split[1].bbox
    assert words[0].bbox.x0 <= two.x0 < two.x1 < five.x0 < five.x1 <= words[0].bbox.x1  # each group's box on its digits


def test_figures_run_together_in_a_row_of_figures_are_split_where_the_print_leaves_a_space():
    """A flattened table's row set a space apart, as Tesseract reads it faxed: "0 -3" read "0-3", "80 1"
    read "801", a zero read "O". Each is cut or read back; "412" and "190" (a narrow "1" among them) and
    "-6" stay whole, and so does a line with too few figures to be a row of them."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.model import BBox, Word
    from pipeline.ocr import split_glued_figures

    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    try:
        font = ImageFont.truetype(font_path, 29)  # 7 pt at 300 dpi
    except OSError:
        pytest.skip(f"{font_path} not installed")
    printed_and_read = [("Summa 412 300 0 -3 910 0 -6 350 80 1 190", "Summa 412 300 0-3 910 O -6 350 801 190"),
                        ("Dnr 2025-3 0 -3", "Dnr 2025-3 0-3")]
    image = Image.new("L", (1500, 200), 255)
    draw = ImageDraw.Draw(image)
    words = []
    for line, (printed, read) in enumerate(printed_and_read, start=1):
        y = 80 * line - 50
        draw.text((20, y), printed, font=font, fill=0)
        end = 0
        for text in read.split():  # each word Tesseract made: the printed characters it covers, spaces skipped
            start = end = printed.index(text[0].replace("O", "0"), end)
            for char in text[1:]:
                end = printed.index(char, end + 1)
            end += 1
            box = draw.textbbox((20 + draw.textlength(printed[:start], font=font), y), printed[start:end], font=font)
            words.append(Word(text=text, bbox=BBox(*(v * 72 / 300 for v in box)), line=line, block=1,
                              confidence=0.9, origin="ocr"))
    job = OcrJob("doc", 1, PageSource(Path("page.png"), "image/png", 0, 300), 1500 * 72 / 300, 200 * 72 / 300, OcrSettings())
    split = split_glued_figures(image, tuple(words), job)
    row = [w for w in split if w.line == 1]
    assert [w.text for w in row] == printed_and_read[0][0].split()
    assert [w.text for w in split if w.line == 2] == ["Dnr", "2025-3", "0-3"]
    assert [(w.text, w.repair.scanned, w.repair.reason) for w in row if w.repair] == [
        ("0", "0-3", "figure-split"), ("-3", "0-3", "figure-split"), ("0", "O", "figure-zero"),
        ("80", "801", "figure-split"), ("1", "801", "figure-split")]
    eighty, one = row[9], row[10]
    assert words[8].bbox.x0 <= eighty.bbox.x0 < eighty.bbox.x1 < one.bbox.x0 < one.bbox.x1 <= words[8].bbox.x1


def test_a_section_sign_glued_to_its_number_is_split_off_where_it_hangs_below_the_line():
    """On a real 300 dpi photocopy (a development paper: realdev 35:9 "§ 119 Dnr KS-2025-00269" and
    35:34 "… 2025-04-29, § 131") Tesseract reads "8119" and "8131"; the "§" is split off its number."""
    path = Path(__file__).resolve().parent.parent / "corpus" / "real" / "captures" / "photocopy-300" / \
        "35_ks-protokoll-rsg-budgetunderlag-2026.pdf"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    result = ocr_page(OcrJob("doc", 1, PageSource(path, "application/pdf", 0, 300), 595.28, 841.89, OcrSettings()))
    texts = [w.text for w in result.words]
    assert "8119" not in texts and "8131" not in texts
    for number in ("119", "131"):
        sign = texts.index(number) - 1
        assert texts[sign] == "§" and result.words[sign].repair.reason == "section-sign"
        assert result.words[sign].bbox.x1 <= result.words[sign + 1].bbox.x0


def test_a_photocopied_table_row_keeps_its_thousands_spaces():
    """On a real 300 dpi photocopy (a development paper) Tesseract reads the row "Löpande investeringar
    2 500 2 500 ..." as "2500 2500 ..."; the split gives back each "2 500", with boxes on the scan."""
    path = Path(__file__).resolve().parent.parent / "corpus" / "real" / "captures" / "photocopy-300" / \
        "12_ifo-protokoll-investeringsplan-2027-2036.pdf"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    result = ocr_page(OcrJob("doc", 1, PageSource(path, "application/pdf", 0, 300), 595.28, 841.89, OcrSettings()))
    line = next(w.line for w in result.words if w.text == "Löpande")
    row = [w for w in result.words if w.line == line]
    assert [w.text for w in row].count("500") == 6 and "2500" not in [w.text for w in row]
    for two, five in zip(row, row[1:]):
        if (two.text, five.text) == ("2", "500"):
            assert two.bbox.x1 < five.bbox.x0 < two.bbox.x1 + 12  # a space apart, on the scan (the page is deskewed)
    years = [w.text for w in result.words if w.text.startswith("20")]
    assert {"2027", "2028", "2029"} <= set(years)  # the header row's years stay whole


def test_digits_read_as_letters_beyond_f_are_put_back_in_a_hex_identifier():
    from pipeline.model import BBox, Word
    from pipeline.ocr import restore_hex_digits

    def word(text: str) -> Word:
        return Word(text=text, bbox=BBox(50, 700, 300, 710), line=1, block=1, confidence=0.8, origin="ocr")

    # transaction ids of the dev photocopy-300 pages as Tesseract read them, and the truth (realdev 30, 22)
    read = restore_hex_digits((word("ao6f3d29430e6c7a604cd8e72f9b4a85a86553fc24"),
                               word("by2a6caab982966ad23a0bb005ee9ac6326b736018."),
                               word("Kommunstyrelsens"), word("arbetsmarknadsnämnden"), word("b3a4d1419af12609e76fbb5bb0f1")))
    assert [w.text for w in read] == ["a06f3d29430e6c7a604cd8e72f9b4a85a86553fc24",
                                      "b72a6caab982966ad23a0bb005ee9ac6326b736018.",
                                      "Kommunstyrelsens", "arbetsmarknadsnämnden", "b3a4d1419af12609e76fbb5bb0f1"]
    assert read[0].repair.scanned == "ao6f3d29430e6c7a604cd8e72f9b4a85a86553fc24" and read[0].repair.reason == "hex-digit"
    assert read[4].repair is None  # already all hex digits: nothing to put back


def test_a_faxed_transaction_id_is_read_again_with_hex_digits_only():
    """On a real standard-mode fax (a development paper: realdev 05, page 1) Tesseract misreads an
    e-signature transaction id of the footer with the page; read again alone, only 0-9 and A-F allowed,
    it comes out as printed, the page's reading kept as the scanned form."""
    path = Path(__file__).resolve().parent.parent / "corpus" / "real" / "captures" / "fax-standard" / \
        "05_ifo-protokoll-donationsfond-2024.pdf"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    result = ocr_page(OcrJob("doc", 1, PageSource(path, "application/pdf", 0, 204), 595.28, 841.89, OcrSettings()))
    ids = {w.text: w for w in result.words if len(w.text) >= 40}
    assert set(ids) == {"DF74F4EC01738E13C0D783777C974778C26DF8620C", "FCBF2522E4F95053A1B756AD461255300EA2DC6E09"}
    assert [w.repair.reason for w in ids.values() if w.repair and w.repair.scanned != w.text] == ["hex-reread"]


def test_a_party_letter_read_as_a_digit_after_a_name_is_read_back():
    from pipeline.model import BBox, Word
    from pipeline.ocr import restore_party_letters

    def words(line: str) -> tuple[Word, ...]:
        return tuple(Word(text=t, bbox=BBox(10 * k, 700, 10 * k + 8, 710), line=1, block=1, confidence=0.8, origin="ocr")
                     for k, t in enumerate(line.split()))

    # as Tesseract read dev protokoll pages (realdev 33: fax "(5)" and "($)", photocopy "($S)")
    misreadings = load_rules().ocr.party_letter_misreadings
    read = restore_party_letters(words("Lundqvist ($) och Lars Eriksson (5), stödjer Sundqvists ($S) yrkande"), misreadings)
    assert " ".join(w.text for w in read) == "Lundqvist (S) och Lars Eriksson (S), stödjer Sundqvists (S) yrkande"
    assert [w.repair.scanned for w in read if w.repair] == ["($)", "(5),", "($S)"]
    assert all(w.repair.reason == "party-letter" for w in read if w.repair)
    kept = restore_party_letters(words("enligt punkt (5) och Lisa Andersson (M)"), misreadings)
    assert [w.text for w in kept] == ["enligt", "punkt", "(5)", "och", "Lisa", "Andersson", "(M)"] and not any(w.repair for w in kept)


def test_a_small_zero_read_with_the_specks_beside_it_is_read_back_in_a_row_of_figures():
    from pipeline.model import BBox, Word
    from pipeline.ocr import restore_figures

    def words(*lines: str) -> tuple[Word, ...]:
        return tuple(Word(text=t, bbox=BBox(10 * k, 700 + 20 * n, 10 * k + 8, 710 + 20 * n), line=n + 1, block=1,
                          confidence=0.8, origin="ocr") for n, line in enumerate(lines) for k, t in enumerate(line.split()))

    # as Tesseract read a dev photocopy-300 table row (realdev 32) and the wide probe's rows; a footnote's
    # "[1]" and a "[0]" alone on its line stay as read
    misreadings = load_rules().ocr.figure_misreadings
    read = restore_figures(words("-295 [0] -295 Platsvarumärke", "Bibliotek -38 450 -460 0 [0", "Se not [1] och [0]"), misreadings)
    assert " ".join(w.text for w in read) == "-295 0 -295 Platsvarumärke Bibliotek -38 450 -460 0 0 Se not [1] och [0]"
    assert [(w.repair.scanned, w.repair.reason) for w in read if w.repair] == [("[0]", "figure-look-alike"),
                                                                                ("[0", "figure-look-alike")]


def test_letters_tesseract_confuses_are_read_back_when_that_makes_one_listed_word():
    from pipeline.model import BBox, Word
    from pipeline.ocr import restore_lookalikes

    def words(*texts: str) -> tuple[Word, ...]:
        return tuple(Word(text=t, bbox=BBox(50, 700, 90, 710), line=1, block=1, confidence=0.7, origin="ocr") for t in texts)

    # as Tesseract read the dev fax-standard pages (realdev 07, 30, 32, 22, 05: "Nämnden", "tjänstemän",
    # "kommunen", "Beslutsgång", "donationsfond")
    read = restore_lookalikes(words("Närnnden", "tjänsternän", "komrmunen.", "Beslutsgäng", "donationstond",
                                    "barn", "Hjorne", "mäd"), load_rules().ocr.letter_lookalikes)
    assert [w.text for w in read] == ["Nämnden", "tjänstemän", "kommunen.", "Beslutsgång", "donationsfond",
                                      "barn", "Hjorne", "mäd"]
    assert read[0].repair.scanned == "Närnnden" and read[0].repair.reason == "letter-look-alike"
    # listed as read ("barn"), no listed reading ("Hjome"), a vowel in a word too short to judge ("mäd")
    assert all(w.repair is None for w in read[5:])
    # as Tesseract read the faxed small-type probes (bench/eval_fax_small.py, 6-8 pt): "o" for "e", and in
    # a long word two confusions ("Vorksamhot": Verksamhet; "Undarskottat": Underskottet)
    read = restore_lookalikes(words("Budgot", "Personalkostnador", "föroslår", "Vorksamhot", "Undarskottat"),
                              load_rules().ocr.letter_lookalikes)
    assert [w.text for w in read] == ["Budget", "Personalkostnader", "föreslår", "Verksamhet", "Underskottet"]
    # read so on the probes and on dev worn-200 pages: "l" for "f" or "t", "å" for "o", "w" for "vv"; and long
    # words the list lacks that are two everyday words with one confusion ("resultat" + "fond")
    read = restore_lookalikes(words("utlall", "överskoll", "kronår", "Awikelse", "resultattond", "Spilivattenledning"),
                              load_rules().ocr.letter_lookalikes)
    assert [w.text for w in read] == ["utfall", "överskott", "kronor", "Avvikelse", "resultatfond", "Spillvattenledning"]
    # a misreading whose only compound reading has three parts ("trans" + "aktens" + "identitet") stays as
    # read; "Beslutsgana" (worn-200 dev pages, for "Beslutsgång": an "a" for its "g") reads "Beslutsgang", not
    # the rare-part "Beslutsgena", and the repair stage puts back its å
    read = restore_lookalikes(words("Beslutsgana", "Transaktonsidentitet:"), load_rules().ocr.letter_lookalikes)
    assert [w.text for w in read] == ["Beslutsgang", "Transaktonsidentitet:"] and read[1].repair is None
    assert repair_lines(["Ordföranden frågar. Beslutsgang"], load_rules())[0].endswith("Beslutsgång")


def test_a_section_sign_read_as_a_digit_is_restored_where_it_hangs_below_the_number():
    from pipeline.model import BBox, Word
    from pipeline.ocr import restore_section_signs

    def word(text: str, x0: float, bottom: float, line: int = 1) -> Word:
        return Word(text=text, bbox=BBox(x0, 404.63, x0 + 5 * len(text), bottom), line=line, block=1,
                    confidence=0.9, origin="ocr")

    # boxes of "§ 159" on a fax-standard dev page, read "8 159": the sign reaches 0.28 of the digits' height lower
    section = restore_section_signs((word("8", 281.44, 414.47), word("159", 290.56, 412.31)))
    assert [w.text for w in section] == ["§", "159"] and section[0].repair.scanned == "8"
    amount = (word("8", 281.44, 412.31), word("159", 290.56, 412.4))  # digits sit on one line: an amount
    other_line = (word("5", 281.44, 414.47), word("159", 290.56, 412.31, line=2))
    assert restore_section_signs(amount) == amount and restore_section_signs(other_line) == other_line


PHONE = Path(__file__).resolve().parent.parent / "corpus" / "real" / "captures" / "phone"


@pytest.fixture(scope="module")
def phone_tables_page():
    """A phone photo of a development paper's page with two ruled tables (realdev 37, lines 160-170), read once."""
    path = PHONE / "37_teknik-arsredovisning-2024-arets-resultat.pdf"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    return ocr_page(OcrJob("doc", 3, PageSource(path, "application/pdf", 2, 200), 595.28, 841.89, OcrSettings()))


def test_a_phone_photo_s_ruled_tables_are_read_from_its_faint_rules(phone_tables_page):
    """On a phone photo (a development paper) the rules are grey on grey paper, lighter than any fixed
    darkness: found against the paper around them, both tables of the page come out cell by cell."""
    result = phone_tables_page
    assert "prepared_unwarp" in result.warnings
    assert "read_unread_lines" not in result.warnings  # the page's reading covers its print
    assert [(t.method, t.n_rows, t.n_cols) for t in result.tables] == [("ruled", 3, 4), ("ruled", 3, 4)]
    grids = [{(c.row, c.col): c.text for c in t.cells} for t in result.tables]
    # 37:160-162 "| Inkomster | Utfall 2022<br>4,0", "| Utgifter | -80,2 |"; 37:169 "| Utgifter | -246,4 | -357,1 | -336,3 |"
    assert [grids[0][(row, 0)] for row in range(3)] == ["Inkomster", "Utgifter", "Netto"]
    assert grids[0][(0, 1)] == "Utfall 2022 4,0" and grids[0][(1, 1)] == "-80,2"
    # each figure in its own column (a minus or a comma of the blurred photo is Tesseract's reading)
    assert [re.sub(r"\D", "", grids[1][(1, col)]) for col in range(1, 4)] == ["2464", "3571", "3363"]
    for table in result.tables:  # boxes on the photo as taken, inside the page
        assert 0 <= table.bbox.x0 < table.bbox.x1 <= 595.28 and 0 <= table.bbox.top < table.bbox.bottom <= 841.89


def test_blurred_letters_running_together_on_a_phone_photo_are_no_rule():
    """At the relative darkness that finds a photo's rules, a blurred word's letters merge into runs
    longer than a rule's minimum; with letters above and below them they are not taken (nor erased)."""
    from pipeline.ocr import find_rules
    from pipeline.prepare import prepare_page
    from pipeline.render import render_page

    path = PHONE / "26_ks-protokoll-uppstart-asaberg-bmss.pdf"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    prepared = prepare_page(render_page(PageSource(path, "application/pdf", 0, 200), dpi=300), 300)
    masks = find_rules(prepared.image, 300)
    assert "unwarp" in prepared.steps and not masks.horizontal.any()


@pytest.fixture(scope="module")
def worn_tables_page():
    """A worn 200 dpi copy of a dev paper's page with two ruled tables (realdev 37, lines 42-56), read once."""
    path = Path(__file__).resolve().parent.parent / "corpus" / "real" / "captures" / "worn-200" / \
        "37_teknik-arsredovisning-2024-arets-resultat.pdf"
    return ocr_page(OcrJob("doc", 1, PageSource(path, "application/pdf", 0, 200), 595.28, 841.89, OcrSettings()))


def test_a_column_the_page_layout_left_out_is_read_from_its_ink(tmp_path):
    """The flattened-bilaga probe set one cell per line (bench/data/flat-bilagor/08-cellperline.md),
    drawn in 8 pt and faxed: Tesseract's page layout drops the lower part of its one column, the
    "Boende" row to "Summa" and its figures. That ink lies under no word's box, so it is read again
    as lines, and its words come in the column's order, the page's lines numbered again."""
    from bench.eval_fax_small import build
    from bench.eval_prepare import page_job

    (pdf, page, _), = build(8, "fax-standard", tmp_path, only="08-cellperline")
    result = ocr_page(page_job(pdf, page, 204))
    assert "read_unread_lines" in result.warnings
    text = " ".join(w.text for w in result.words)
    # the probe's lines 15-29: "Boende", "22 400", "21 150", "1 250", "1 250", "Summa", "28 700", "28 060"
    assert "Förebyggande arbete" in text and "Boende 22 400 21 150 1 250 1 250 Summa 28 700 28 060" in text
    lines = [w.line for w in result.words]
    assert lines == sorted(lines) and set(lines) == set(range(1, max(lines) + 1))
    tops = [min(w.bbox.top for w in result.words if w.line == n) for n in range(1, max(lines) + 1)]
    assert tops == sorted(tops)  # one column: reading order is top to bottom


def test_garbled_table_figures_are_reread_cell_by_cell(worn_tables_page):
    """The worn page's reading garbles figures ("AB4O", "2133" for "-213,3"); each cell read alone
    gives the printed figure, the scanned text kept as a Repair."""
    result = worn_tables_page
    cells = {c.text for t in result.tables for c in t.cells}
    assert {"-184,0", "-213,3", "-234,4", "-8,1", "10,3", "-337,2", "-222,3"} <= cells
    reread = [w for w in result.words if w.repair and w.repair.reason == "table-cell-reread"]
    assert reread and all(w.repair.scanned != w.text for w in reread)
    # a cell the page read as a figure of the tables' one decimal is left as read
    assert not [w for w in reread if re.fullmatch(r"-?\d+,\d", w.repair.scanned)]


def test_a_minus_sign_tesseract_dropped_is_given_back_where_the_page_prints_it(worn_tables_page):
    """On the worn page Tesseract reads "-243,3" and "-4,7" (Budget, netto and Avvikelse of the first
    table) without their signs, though the page prints them; they get them back, the scanned figure
    kept as a Repair. No figure the paper prints positive gets a sign (11,7, 8,1 and 10,3 stand there
    with either sign, so they tell nothing)."""
    restored = {w.text: w.repair.scanned for w in worn_tables_page.words if w.repair and w.repair.reason == "minus-sign"}
    assert {"-243,3": "243,3", "-4,7": "4,7"}.items() <= restored.items()
    printed_positive = {"79,1", "110,5", "94,1", "0,2", "195,7", "205,2", "224,1", "0,0"}
    assert not {text.lstrip("-") for text in restored} & printed_positive
    cells = {c.text for t in worn_tables_page.tables for c in t.cells}
    assert {"-243,3", "-4,7"} <= cells
    # "-10,3" (Netto 2024 of the second table): the page read "-103", the cell read alone "10,3"; the sign stays
    reread = {w.repair.scanned: w.text for w in worn_tables_page.words if w.repair and w.repair.reason == "table-cell-reread"}
    assert reread.get("-103") == "-10,3" and "-10,3" in cells


def test_a_minus_sign_paler_than_the_text_on_a_phone_photo_is_given_back(phone_tables_page):
    """On the phone photo's page Tesseract reads "-192,3" (Utgifter 2023) and "-52,1" (Netto 2024) without
    their blurred, pale signs; measured against the paper around them, the signs are there. No figure the
    page prints positive gets one."""
    restored = {w.text for w in phone_tables_page.words if w.repair and w.repair.reason == "minus-sign"}
    assert {"-192,3", "-52,1"} <= restored
    assert not {text.lstrip("-") for text in restored} & {"4,0", "2,8", "2,9", "70,5", "43,1", "37,8"}


def _runs_by_hand(mask: np.ndarray, length: int) -> np.ndarray:
    """Each row walked run by run: a run of at least `length` is kept whole."""
    out = np.zeros_like(mask)
    for y, row in enumerate(mask):
        x = 0
        while x < len(row):
            end = x
            while end < len(row) and row[end]:
                end += 1
            if end - x >= length:
                out[y, x:end] = True
            x = end + 1
    return out


def test_long_runs_are_the_runs_of_at_least_their_length():
    """Rule finding's runs: whole runs of at least the length, at the page's edges too, odd and even lengths."""
    row = np.array([[1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1]], bool)
    assert _in_long_runs(row, 3).astype(int).tolist() == [[1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]]
    assert _in_long_runs(row, 4).astype(int).tolist() == [[0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]]
    assert not _in_long_runs(row, 12).any()
    rng = np.random.default_rng(7)
    for _ in range(100):
        mask = rng.random((int(rng.integers(1, 40)), int(rng.integers(1, 80)))) < rng.random()
        length = int(rng.integers(1, 30))
        assert (_in_long_runs(mask, length) == _runs_by_hand(mask, length)).all()


def test_a_lone_zero_of_a_figure_column_is_read_from_its_ink(tmp_path):
    """The flattened-bilaga probe kept in columns (bench/data/flat-bilagor/20-glued-columns.md) faxed:
    Tesseract's layout reads its columns of figures but drops the lone "0" cells as noise. A mark of a
    figure's height standing in a column of figures, with figures left of it on its row, is read again
    (digits only), so each of the probe's four zeros comes back where it stands."""
    from bench.eval_fax_small import build, real_build
    from bench.eval_prepare import page_job

    (pdf, page, _), = build(real_build.SIZE, "fax-standard", tmp_path, only="20-glued-columns")
    result = ocr_page(page_job(pdf, page, 204))
    assert "read_unread_lines" in result.warnings
    zeros = [w for w in result.words if w.text == "0"]
    # the probe's lines 10, 13, 14: "Konstgräsplan Norr … 0 0", "Möbler fritidsgårdar … 0", "Summa Inventarier … 0"
    rows = {label: max((w.bbox for w in result.words if w.text.startswith(label)), key=lambda b: b.top)
            for label in ("Norr", "fritidsgårdar", "Inventarier")}  # "Summa Inventarier", below the section's name
    nearest = [min(rows, key=lambda label: abs(z.bbox.top + z.bbox.bottom - rows[label].top - rows[label].bottom))
               for z in zeros]
    on_row = {label: nearest.count(label) for label in rows}
    assert on_row == {"Norr": 2, "fritidsgårdar": 1, "Inventarier": 1} and len(zeros) == 4


def test_a_short_lone_digit_of_low_confidence_beside_a_rows_figures_is_dust():
    """A faxed 7 pt table row as Tesseract's swe+Latin read it (boxes in points): a mark of dust between the label
    and the first figure came out "1" (confidence 0.42, 3.6 pt tall beside figures of 6.1): it would stand as a
    column of its own. A "0" cell of low confidence but a figure's height, and a sure short "1", stay."""
    from pipeline.model import BBox, Word
    from pipeline.ocr import _without_short_digits

    row = [("Kulturskola", 53.9, 148.3, 90.7, 154.4, 0.96), ("1", 136.9, 150.6, 138.7, 154.2, 0.42),
           ("-22", 180.9, 147.6, 191.0, 153.7, 0.99), ("300", 194.0, 147.6, 206.1, 153.7, 0.98),
           ("0", 400.8, 145.3, 404.8, 151.4, 0.18), ("18", 443.9, 145.3, 451.4, 150.7, 0.99),
           ("7", 470.0, 150.0, 472.0, 153.6, 0.93)]
    words = [Word(text=t, bbox=BBox(x0, top, x1, bottom), line=8, block=1, confidence=c, origin="ocr")
             for t, x0, top, x1, bottom, c in row]
    assert [w.text for w in _without_short_digits(tuple(words))] == ["Kulturskola", "-22", "300", "0", "18", "7"]
    alone = [w.model_copy(update={"line": 9}) if w.text == "1" else w for w in words]  # no figure in its line to measure by
    assert "1" in [w.text for w in _without_short_digits(tuple(alone))]


def test_table_columns_of_zeros_are_read_from_their_ink(tmp_path):
    """The flattened-bilaga probe with two columns of nothing but "0" (bench/data/flat-bilagor/31-zero-columns.md),
    photocopied as `eval_flat_bilagor.py` captures it: Tesseract's layout takes each column of lone zeros for a
    block of its own and reads it as a word or two four rows tall ("OoOo000", confidence 0.34), which covers their
    ink. Such words go, and a column of lone marks of a figure's height on rows of print is read again as cells."""
    from reportlab.pdfgen.canvas import Canvas

    from bench.eval_flat_bilagor import PROBES, RENDER_DPI, SEED, capture, real_build, render_grey, write_capture_pdf
    from bench.eval_prepare import page_job

    source = PROBES / "31-zero-columns.md"
    born, pdf = tmp_path / "born.pdf", tmp_path / "photocopy-300.pdf"
    canvas = Canvas(str(born), pagesize=real_build.A4, invariant=1)
    real_build.draw_paper(canvas, real_build.parse_paper(source))
    canvas.save()
    n = sorted(PROBES.glob("*.md")).index(source)
    write_capture_pdf([capture("photocopy-300", page, np.random.default_rng([SEED, n, p]))
                       for p, page in enumerate(render_grey(born, RENDER_DPI["photocopy-300"]))], pdf)
    result = ocr_page(page_job(pdf, 1, RENDER_DPI["photocopy-300"]))
    assert "read_unread_lines" in result.warnings
    heads = {w.text: w.bbox for w in result.words if w.text in ("Ombudgeteras", "Återredovisas")}
    zeros = [w.bbox for w in result.words if w.text == "0"]
    for head in heads.values():  # the probe's lines 13-17: each zero under its column's header, one a row
        tops = sorted(z.top for z in zeros if head.x0 - 10 <= (z.x0 + z.x1) / 2 <= head.x1 + 10)
        assert len(tops) >= 4 and all(below - above > 8 for above, below in zip(tops, tops[1:]))  # rows 12.5 pt apart
    assert len(zeros) >= 8 and len(heads) == 2
