"""OFD (GB/T 33190-2016): text objects placed by their CTM, template pages
read once, lines joined into paragraphs. The file is built by hand to the
standard."""

from __future__ import annotations

import pytest

from documents import _zip, exact_offsets
from indexer.loading import load_document

pytestmark = pytest.mark.usefixtures("converter_installed")  # LibreOffice, as `make test` installs it


OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def ofd_text_object(id_: int, x: float, y: float, size: float, text: str, ctm: str = "") -> str:
    """A GB/T 33190 TextObject: glyphs ``size`` apart from (0, size) in the object's space."""
    ctm = f' CTM="{ctm}"' if ctm else ""
    return (f'<ofd:TextObject ID="{id_}" Boundary="{x} {y} 170 {size * 2}" Font="1" Size="{size}"{ctm}>'
            f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="{size}" DeltaX="g {len(text) - 1} {size}">'
            f'{text}</ofd:TextCode></ofd:TextObject>')


def ofd_page(objects: list[str], template: str = "") -> str:
    ref = f'<ofd:Template TemplateID="{template}" ZOrder="Background"/>' if template else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {OFD_NS}>{ref}<ofd:Content>'
            f'<ofd:Layer ID="90" Type="Body">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')


def test_ofd_template_page_and_scaled_text_objects(tmp_path):
    # Built by hand to GB/T 33190-2016 (no installable writer makes templates
    # or CTMs): the red 版头 and 发文字号 live in a template page that both
    # pages use; one line is written at twice its size and scaled by a CTM,
    # and the 版头 is condensed horizontally, as 公文 writers do.
    o = ofd_text_object
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {OFD_NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
                   '<ofd:DocInfo><ofd:DocID>6c3c2d5e0b1a4f7e9d8c7b6a5f4e3d2c</ofd:DocID></ofd:DocInfo>'
                   '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {OFD_NS}><ofd:CommonData>'
                              '<ofd:MaxUnitID>99</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>'
                              '</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
                              '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml" ZOrder="Background"/>'
                              '</ofd:CommonData><ofd:Pages><ofd:Page ID="3" BaseLoc="Pages/Page_0/Content.xml"/>'
                              '<ofd:Page ID="4" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>',
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {OFD_NS} BaseLoc="Res"><ofd:Fonts>'
                               '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
        "Doc_0/Tpls/Tpl_0/Content.xml": ofd_page([o(10, 39, 30, 15, "武汉市科学技术协会文件", ctm="0.8 0 0 1 0 0"),
                                                   o(11, 77, 60, 5.6, "武科协发〔2026〕3号")]),
        "Doc_0/Pages/Page_0/Content.xml": ofd_page([
            o(20, 42.6, 80, 7.8, "关于院士专家工作站建设情况的报告"),
            o(21, 37.2, 100, 5.6, "全市科协系统坚持以习近平新时代中国特色社会主义思"),
            o(22, 26, 108, 5.6, "想为指导，全年新建院士专家工作站17家，引进高层次人"),
            o(23, 26, 116, 5.6, "才团队。"),
            # Read without its CTM this object would sit 5.6 lower and run over "46个。".
            o(24, 37.2, 124, 11.2, "全市共有科普基地", ctm="0.5 0 0 0.5 0 0"),
            o(25, 82, 124, 5.6, "46个。")], template="2"),
        "Doc_0/Pages/Page_1/Content.xml": ofd_page([o(30, 37.2, 40, 5.6, "特此报告。")], template="2"),
    }
    (tmp_path / "通知.ofd").write_bytes(_zip(list(files.items())))
    doc = load_document(tmp_path / "通知.ofd", tmp_path)
    assert doc.text.split("\n") == [
        "武汉市科学技术协会文件", "武科协发〔2026〕3号", "关于院士专家工作站建设情况的报告",
        "全市科协系统坚持以习近平新时代中国特色社会主义思想为指导，全年新建院士专家工作站17家，引进高层次人才团队。",
        "全市共有科普基地46个。", "特此报告。"]
    assert doc.text[doc.page_starts[1]:] == "特此报告。"  # the template's text once, where it is first used
    assert (doc.title, doc.body) == ("关于院士专家工作站建设情况的报告", "武汉市科学技术协会")
    exact_offsets(doc)
