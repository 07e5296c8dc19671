"""Normalisation and title matching on a table of real raw names (as Windows' 「プログラムと機能」 and
inventory tools list them): Japanese and English, 全角 and 半角, with names that must NOT match."""

import pytest

from saiteki.sam.matching import TitleMatcher, hostname_key, name_key

# (id, product + edition + version) — the words a title's own name contributes.
TITLES = {
    1: "Office Professional Plus 2019",
    2: "Office Professional Plus 2016",
    3: "Office Standard 2019",
    4: "Microsoft 365 Apps for enterprise",
    5: "一太郎 2023",
    6: "一太郎 2022",
    7: "ATOK Passport",
    8: "Acrobat Pro DC",
    9: "Acrobat Reader DC",
    10: "AutoCAD LT 2022",
    11: "AutoCAD",
    12: "ArcGIS Desktop",
    13: "ArcGIS Pro",
    14: "SPSS Statistics",
    15: "ウイルスバスター コーポレートエディション",
    16: "花子 2023",
    17: "JUST PDF 5 Pro",
    18: "Jw_cad",
    19: "Visio Professional 2019",
    20: "Project Standard 2019",
}
RULES_EXACT = [("Adobe Acrobat DC", 8), ("Adobe Acrobat DC (64-bit)", 8)]
RULES_CONTAINS = [("ATOK", 7), ("Trend Micro Apex One", 15)]
RULES_IGNORE = ["Sync", "Click to Run"]


@pytest.fixture(scope="module")
def matcher():
    return TitleMatcher(TITLES.items(), exact=RULES_EXACT, contains=RULES_CONTAINS, ignore=RULES_IGNORE)


# raw name, expected title id (None: unmatched, "ignored": 管理対象外)
CASES = [
    # Office: locale tags, full width, katakana edition words, case
    ("Microsoft Office Professional Plus 2019 - ja-jp", 1),
    ("Microsoft Office Professional Plus 2019 - en-us", 1),
    ("ＭＩＣＲＯＳＯＦＴ　ＯＦＦＩＣＥ　ＰＲＯＦＥＳＳＩＯＮＡＬ　ＰＬＵＳ　２０１９", 1),
    ("Microsoft Office プロフェッショナル プラス 2019", 1),
    ("microsoft office professional plus 2019", 1),
    ("Microsoft Office Professional Plus 2016", 2),
    ("Microsoft Office Standard 2019 - ja-jp", 3),
    ("Microsoft Office スタンダード 2019", 3),
    ("Microsoft 365 Apps for enterprise - ja-jp", 4),
    ("Microsoft 365 Apps for enterprise - en-us", 4),
    # 一太郎 / ATOK / 花子: kanji glued to digits, full-width digits
    ("一太郎2023", 5),
    ("一太郎２０２３", 5),
    ("ジャストシステム 一太郎 2023", 5),
    ("一太郎2022", 6),
    ("ATOK for Windows", 7),
    ("ＡＴＯＫ　２０２３", 7),
    ("ATOK 2017 for Windows", 7),
    ("花子2023", 16),
    ("ＪＵＳＴ　ＰＤＦ　５　Ｐｒｏ", 17),
    # Adobe: Reader is a different (free) title; Acrobat Pro registers as "Adobe Acrobat DC"
    ("Adobe Acrobat DC", 8),
    ("Adobe Acrobat DC (64-bit)", 8),
    ("Adobe Acrobat Pro DC", 8),
    ("Adobe Acrobat Reader DC", 9),
    ("Adobe Acrobat Reader DC - Japanese", 9),
    ("ｱﾄﾞﾋﾞ ｱｸﾛﾊﾞｯﾄ ﾘｰﾀﾞｰ DC", 9),
    # CAD, GIS, statistics, antivirus
    ("AutoCAD LT 2022 - 日本語 (Japanese)", 10),
    ("AutoCAD 2024 - 日本語 (Japanese)", 11),
    ("ArcGIS Desktop 10.8", 12),
    ("ArcGIS Pro 3.1", 13),
    ("IBM SPSS Statistics 28", 14),
    ("ウイルスバスター コーポレートエディション XG", 15),
    ("Trend Micro Apex One Security Agent", 15),
    ("Jw_cad 8.25", 18),
    ("Ｊｗ＿ｃａｄ", 18),
    ("Microsoft Visio Professional 2019 - ja-jp", 19),
    ("Microsoft Project Standard 2019 - ja-jp", 20),
    # Must not match: other products of a known line, components, runtimes, viewers, updates
    ("Microsoft Office Professional Plus 2021 - ja-jp", None),
    ("AutoCAD LT 2023 - 日本語 (Japanese)", None),
    ("Microsoft Office 2019 Click-to-Run Extensibility Component", "ignored"),
    ("Microsoft Office Proofing Tools 2016 - 日本語", "ignored"),
    ("一太郎ビューア", "ignored"),
    ("一太郎2023 ビューア", "ignored"),
    ("ATOK Sync アドバンス", "ignored"),
    ("Microsoft Visual C++ 2019 X64 Minimum Runtime - 14.29.30133", "ignored"),
    ("Security Update for Microsoft Office 2016 (KB5002623) 64-Bit Edition", "ignored"),
    ("Microsoft Office 2016 Language Pack - Japanese/日本語", "ignored"),
    ("ArcGIS Earth", None),
    ("7-Zip 19.00 (x64)", None),
    ("Google Chrome", None),
    ("Microsoft Visio Viewer 2016", "ignored"),
    ("Microsoft Project Professional 2019", None),
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_real_names(matcher, raw, expected):
    result = matcher.match(raw)
    if expected == "ignored":
        assert result.method == "ignored", result
        assert result.title is None
    else:
        assert result.title == expected, result


def test_the_table_is_large_enough():
    assert len(CASES) >= 40
    assert sum(1 for _r, e in CASES if e in (None, "ignored")) >= 12


def test_unmatched_names_get_a_suggestion(matcher):
    office = matcher.match("Microsoft Office Professional Plus 2021 - ja-jp")
    assert office.title is None and office.suggestion is not None
    assert office.suggestion.title in (1, 2)
    lt = matcher.match("AutoCAD LT 2023")
    assert lt.suggestion is not None and lt.suggestion.title == 10
    assert matcher.match("Google Chrome").suggestion is None


def test_full_and_half_width_give_one_key():
    assert name_key("ＡＴＯＫ　２０２３") == name_key("ATOK 2023") == name_key("atok2023")
    assert name_key("一太郎２０２３") == name_key("一太郎 2023")
    assert name_key("ｱﾄﾞﾋﾞ ｱｸﾛﾊﾞｯﾄ") == name_key("Adobe Acrobat")
    assert name_key("Microsoft Office Professional Plus 2019 - ja-jp") == name_key(
        "Microsoft Office Professional Plus 2019"
    )


def test_name_key_is_idempotent():
    for raw, _e in CASES:
        assert name_key(name_key(raw)) == name_key(raw), raw


def test_exact_rule_beats_words_and_ignore():
    m = TitleMatcher(TITLES.items(), exact=[("一太郎ビューア", 5)])
    assert m.match("一太郎ビューア").title == 5


def test_ambiguous_words_are_left_for_an_admin():
    m = TitleMatcher([(1, "Office 2019"), (2, "Office 2019")])
    result = m.match("Microsoft Office 2019")
    assert result.title is None and result.reason == "several titles"


def test_hostname_key():
    assert hostname_key(" ＰＣ－０００１ ") == "pc-0001"
    assert hostname_key("PC-0001.pref.local.") == "pc-0001.pref.local"
