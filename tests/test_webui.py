"""Page helpers: passages merged, short section paths, the document filter
and the settings a share link carries."""

from __future__ import annotations

from types import SimpleNamespace as NS

from indexer.chunking import Chunk
from indexer.webui import (MAX_QUESTION_CHARS, doc_label, facet_options, filter_docs, match_documents, match_rows,
                           merge_passages, page_of, params_to_settings, place_answers, section_html,
                           settings_to_params, short_section)

TEXT = "第一句话讲党建。第二句话讲科普活动18153项。第三句话讲作风建设。第四句话。"


def hit(doc, start, end, section="一、总体"):
    return NS(chunk=Chunk(doc=doc, title="报告", section=section, start=start, end=end, text=TEXT[start:end]))


def test_overlapping_and_touching_hits_become_one_passage():
    hits = [hit("a", 8, 30), hit("b", 0, 8), hit("a", 0, 12), hit("a", 40, 48), hit("a", 28, 40)]
    ps = merge_passages(hits)
    assert [(p.doc, p.start, p.end) for p in ps] == [("a", 0, 48), ("b", 0, 8)]
    assert ps[0].text == TEXT[0:48] and sorted(ps[0].hits) == [0, 2, 3, 4]
    answers = [NS(hit=2, start=25, end=31)]
    assert place_answers(ps, answers, hits) == {0: 0} and ps[0].spans == [(25, 31)]


def test_long_section_paths_are_short_with_the_full_path_on_hover():
    long = "五、全面加强作风建设，激发干事创业内生动力 > 三是在服务人民群众中展作风"
    assert short_section("一、总体") == "一、总体"
    assert short_section(long) == "… > 三是在服务人民群众中展作风" and len(short_section(long)) <= 24
    assert short_section("一" * 60).endswith("…") and len(short_section("一" * 60)) <= 24
    html = section_html(long)
    assert 'title="五、全面加强作风建设，激发干事创业内生动力 &gt; 三是在服务人民群众中展作风"' in html


def test_facets_from_metadata_map_to_docs():
    docs = {"a.txt": {"title": "报告", "date": "2023年12月", "body": "市科协"},
            "b.txt": {"title": "报告", "year": 2024, "body": "市科技局", "place": "重庆市"},
            "c.txt": {"title": "讲话", "body": "市科协", "place": "淮北市"}}
    f = facet_options(docs)
    assert f == {"年份": [2024, 2023], "机关": ["市科协", "市科技局"], "地区": ["淮北市", "重庆市"]}
    assert facet_options({"a": {"title": "x"}}) == {}  # no metadata: no filters offered
    assert filter_docs(docs, {"年份": []}, []) is None
    assert filter_docs(docs, {"机关": ["市科协"]}, []) == ["a.txt", "c.txt"]
    assert filter_docs(docs, {"机关": ["市科协"], "年份": [2023]}, []) == ["a.txt"]
    assert filter_docs(docs, {"机关": ["市科协"]}, ["b.txt"]) == []
    assert doc_label("a.txt", docs["a.txt"]) == "报告 · 2023年12月 · a.txt"
    assert doc_label("b.txt", docs["b.txt"]) == "报告 · 2024年 · b.txt"


def test_picker_search_and_table_pages():
    docs = {f"{i:03d}.txt": {"title": f"{'合肥市' if i % 3 else '芜湖市'}科协{2015 + i % 10}年工作总结",
                             "year": 2015 + i % 10, "body": "市科协党组" if i % 2 else "", "kind": "总结"}
            for i in range(120)}
    first, total = match_documents(docs, "")
    assert total == 120 and len(first) == 50 and docs[first[0]]["year"] == 2024  # newest first
    found, total = match_documents(docs, "芜湖  2018")
    assert found == sorted(d for d, m in docs.items() if "芜湖" in m["title"] and m["year"] == 2018) and total == 4
    assert match_documents(docs, "党组 芜湖", limit=3)[1] == 20  # the issuing body counts too
    assert match_documents(docs, "017.TXT")[0] == ["017.txt"]  # file names, case-blind
    rows = [{"文件": d, "标题": m["title"]} for d, m in docs.items()]
    assert len(match_rows(rows, "芜湖 2015")) == 4 and match_rows(rows, " ") == rows
    assert page_of(rows, 1)[1:] == (1, 3) and len(page_of(rows, 3)[0]) == 20
    assert page_of(rows, 9)[1] == 3 and page_of(rows, 0)[1] == 1 and page_of([], 4) == ([], 1, 1)


def test_share_link_round_trip_and_question_cap():
    params = settings_to_params("全市开展了多少项科普活动？", 8, "keyword", ["a.txt"], {"年份": [2023], "机关": []})
    assert params == {"q": "全市开展了多少项科普活动？", "k": "8", "m": "keyword", "d": ["a.txt"], "y": ["2023"]}
    get = lambda n: (v if isinstance(v := params.get(n, []), list) else [v])  # noqa: E731
    s = params_to_settings(get)
    assert (s["q"], s["k"], s["mode"], s["docs"], s["facets"]) == (params["q"], 8, "keyword", ["a.txt"], {"年份": [2023]})
    assert settings_to_params("问", 5, "hybrid", [], {}) == {"q": "问"}
    long = params_to_settings(lambda n: {"q": ["问" * 5000], "k": ["999"], "m": ["rm -rf"]}.get(n, []))
    assert len(long["q"]) == MAX_QUESTION_CHARS and long["clipped"] and long["k"] == 20 and long["mode"] == "hybrid"
