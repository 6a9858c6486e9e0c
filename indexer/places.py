"""Chinese administrative divisions: which places a text names.

The names come from a maintained data set, the adcode table that ships with
the ``cpca`` package (3,500 provinces, cities and counties), read as a file
so that its pandas-based API is never imported. Each division is known by
its full name (浙江省, 重庆市, 广西壮族自治区, 淮北市) and its short name (浙江,
重庆, 广西, 淮北); the national level by 全国/国务院/我国/国家.

Usage::

    from indexer.places import find_places, place_of
    [p.name for p in find_places("重庆2025年新能源汽车产量")]   # ['重庆市']
    place_of("浙江").adcode                                  # '330000'
    place_of("合肥市").within(place_of("安徽省"))              # True
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

NATIONAL = "全国"
# Words that name the national level in a question; they count only where the
# corpus holds a national document (see indexer.scope). 中国 and 国家 do not:
# they begin names and topics (中国式现代化, 国家级). 国内生产总值 is the
# national indicator (a province reports 地区生产总值).
NATIONAL_WORDS = ("国务院", "全国", "我国", "国内生产总值")
# One-character abbreviations of provinces (沪, 皖, 渝 …) are standard in news
# and keyword queries; they count only as a standalone word (see scope).
ABBREVIATIONS = {
    "京": "北京市", "津": "天津市", "沪": "上海市", "渝": "重庆市", "冀": "河北省", "晋": "山西省",
    "辽": "辽宁省", "吉": "吉林省", "黑": "黑龙江省", "苏": "江苏省", "浙": "浙江省", "皖": "安徽省",
    "闽": "福建省", "赣": "江西省", "鲁": "山东省", "豫": "河南省", "鄂": "湖北省", "湘": "湖南省",
    "粤": "广东省", "桂": "广西壮族自治区", "琼": "海南省", "川": "四川省", "蜀": "四川省", "黔": "贵州省",
    "贵": "贵州省", "滇": "云南省", "云": "云南省", "藏": "西藏自治区", "陕": "陕西省", "秦": "陕西省",
    "甘": "甘肃省", "陇": "甘肃省", "青": "青海省", "宁": "宁夏回族自治区", "新": "新疆维吾尔自治区",
    "蒙": "内蒙古自治区",
}
_SUFFIX = re.compile(r"(?:维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|自治州|地区|省|市|县|区|盟)$")


@dataclass(frozen=True)
class Place:
    name: str  # full name: 浙江省, 重庆市, 全国
    adcode: str  # six digits; 000000 for the national level
    level: int  # 0 national, 1 province, 2 city, 3 county

    @property
    def short(self) -> str:
        return short_name(self.name)

    def within(self, other: "Place") -> bool:
        """Whether this place lies inside ``other`` (or is it)."""
        if other.level == 0:
            return True
        keep = {1: 2, 2: 4, 3: 6}[other.level]
        return self.level >= other.level and self.adcode[:keep] == other.adcode[:keep]


def level_word(name: str) -> str:
    """How a report of ``name`` speaks of its own area (全市, 全省, 全区, 全县):
    the word after 全. Municipalities are provinces that say 全市; the national
    level says 全国. "" for unknown places."""
    p = place_of(name) if name else None
    if p is None:
        return ""
    if p.level == 0:
        return "国"
    m = re.search(r"(省|市|自治区|区|县|州|盟)$", p.name)
    return {"自治区": "区"}.get(m.group(1), m.group(1)) if m else ""


def short_name(name: str) -> str:
    """浙江省 → 浙江, 广西壮族自治区 → 广西, 淮北市 → 淮北; one-character
    stems keep their suffix (忠县 stays 忠县)."""
    stem = _SUFFIX.sub("", name)
    return stem if len(stem) >= 2 else name


def _adcode_file():
    for f in metadata.files("cpca") or ():
        if f.name == "adcodes.csv":
            return f.locate()
    raise RuntimeError("cpca's adcodes.csv is missing; reinstall the cpca package")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Place], dict[str, list[Place]]]:
    """Places by full name, and every name form (full and short) to the places it may mean."""
    by_name: dict[str, Place] = {NATIONAL: Place(NATIONAL, "000000", 0)}
    with open(_adcode_file(), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
            # Municipalities appear again at city level (市辖区); keep the highest level.
            old = by_name.get(row["name"])
            if old is None or level < old.level:
                by_name[row["name"]] = Place(row["name"], code, level)
    forms: dict[str, list[Place]] = {}
    for p in by_name.values():
        if p.level == 0:
            continue
        # Counties only by a full name of three or more characters: their short
        # and two-character names are ordinary words too (朝阳, 新华, 城区, 矿区).
        names = {p.name, p.short} if p.level < 3 else ({p.name} if len(p.name) >= 3 else set())
        for form in names:
            forms.setdefault(form, []).append(p)
    for plist in forms.values():
        plist.sort(key=lambda p: p.level)
    return by_name, forms


def place_of(name: str) -> Place | None:
    """The place a name stands for (full or short; the highest level wins:
    吉林 is the province, not the city)."""
    if name in NATIONAL_WORDS:
        return _table()[0][NATIONAL]
    plist = _table()[1].get(name)
    return plist[0] if plist else None


@dataclass(frozen=True)
class PlaceMention:
    place: Place
    start: int
    end: int


def find_places(text: str, min_len: int = 2) -> list[PlaceMention]:
    """Administrative divisions named in ``text``, longest match first at each
    position, left to right. National words are not included (their meaning
    depends on the corpus)."""
    _, forms = _table()
    longest = max(len(f) for f in forms)
    out: list[PlaceMention] = []
    i = 0
    while i < len(text):
        for n in range(min(longest, len(text) - i), min_len - 1, -1):
            plist = forms.get(text[i:i + n])
            if plist:
                out.append(PlaceMention(plist[0], i, i + n))
                i += n
                break
        else:
            i += 1
    return out
