"""The Streamlit app, run for real with AppTest on a small corpus."""

from __future__ import annotations

import io

import pytest
from streamlit.testing.v1 import AppTest

from conftest import REPO

QUESTION = "全市开展了多少项科普活动？"


@pytest.fixture
def app(small_corpus, tmp_path, monkeypatch):
    (small_corpus / "hostile.md").write_text(
        "网页代码示例\n一、说明\n报告里出现<script>alert('x')</script>和**加粗**以及[链接](http://example.com)时必须原样显示。\n",
        encoding="utf-8")
    monkeypatch.setenv("PARTYQA_CORPUS", str(small_corpus))
    monkeypatch.setenv("PARTYQA_INDEX", str(tmp_path / "index"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception
    return at


def ask(at: AppTest, q: str) -> AppTest:
    at.text_input(key="query").input(q)
    at.button[0].click().run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.code] + [c.value for c in at.caption])


def test_numeric_answer_with_citation(app):
    ask(app, QUESTION)
    page = texts(app)
    assert "### 18153项" in page
    assert any(c.value.startswith("据《市科协年度工作报告》（二、推进全域科普 > 一是办好科普活动）：“") and "18153项" in c.value
               for c in app.code)
    assert app.query_params["q"] == [QUESTION] or app.query_params["q"] == QUESTION


def test_question_from_the_url_is_answered(small_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PARTYQA_CORPUS", str(small_corpus))
    monkeypatch.setenv("PARTYQA_INDEX", str(tmp_path / "index"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.query_params["q"] = QUESTION
    at.run()
    assert "### 18153项" in texts(at)


def test_document_filter_narrows_results(app):
    ask(app, "工作")
    titles_all = {m.value for m in app.markdown if m.value.startswith("**[")}
    assert len({t.split("》")[0] for t in titles_all}) > 1
    app.multiselect(key="docs").select("b.txt").run()
    titles = [m.value for m in app.markdown if m.value.startswith("**[")]
    assert titles and all("市科技局党组工作报告" in t for t in titles)
    app.slider(key="k").set_value(1).run()
    assert len([m for m in app.markdown if m.value.startswith("**[")]) == 1


def test_basket_add_reorder_remove_and_docx(app):
    import docx

    from indexer.exporting import quotes_to_docx, quotes_to_markdown

    ask(app, QUESTION)
    add_buttons = [b for b in app.button if b.label == "加入摘录"]
    add_buttons[0].click().run()
    [b for b in app.button if b.label == "加入摘录"][2].click().run()
    first, second = [q.citation for q in app.session_state["basket"]]
    assert "18153项" in first and first != second
    app.sidebar.radio(key="page").set_value("摘录篮").run()
    app.button(key="down-0").click().run()
    moved = app.session_state["basket"]
    assert [q.citation for q in moved] == [second, first]
    # The download buttons serve exactly these bytes.
    document = docx.Document(io.BytesIO(quotes_to_docx(moved)))
    paras = [p.text for p in document.paragraphs]
    assert paras[0] == "摘录" and any("18153项" in p and p.startswith("据《") for p in paras)
    assert "出处" in paras and any(p.startswith("《市科协年度工作报告》") for p in paras)
    assert "18153项" in quotes_to_markdown(moved)
    app.button(key="del-0").click().run()
    assert len(app.session_state["basket"]) == 1
    app.button(key="del-0").click().run()
    assert not app.session_state["basket"] and any("摘录篮是空的" in i.value for i in app.info)


def test_not_found_state(app):
    ask(app, "今天的天气怎么样")
    assert any("没有找到" in w.value for w in app.warning)
    assert not any(m.value.startswith("### ") for m in app.markdown)
    assert any("低相关度" in m.value for m in app.markdown)


def test_document_text_is_never_rendered(app):
    ask(app, "报告里出现网页代码和加粗")
    html = "\n".join(m.value for m in app.markdown)
    assert "<script>" not in html and "**加粗**" not in html and "[链接]" not in html
    assert "&#60;script&#62;" in html and "&#42;&#42;加粗&#42;&#42;" in html
    ask(app, "开展谈心谈话多少人次")
    html = "\n".join(m.value for m in app.markdown)
    assert "&#42;人次" in html and "*人次" not in html  # masked figures never turn into Markdown


def test_corpus_page_lists_documents_and_model(app):
    app.sidebar.radio(key="page").set_value("语料管理").run()
    assert not app.exception
    assert any("索引模型" in c.value for c in app.caption)
    df = app.dataframe[0].value
    assert set(df["文件"]) >= {"a.txt", "b.txt", "hostile.md"}


def test_upload_validation_and_incremental_update(app, small_corpus):
    """AppTest cannot drive st.file_uploader; the page calls save_upload and
    then rebuilds, so that path is exercised here, and in the browser test."""
    from indexer.corpus import UploadError, corpus_status, save_upload

    with pytest.raises(UploadError, match="不支持"):
        save_upload(small_corpus, "virus.exe", b"MZ...")
    with pytest.raises(UploadError, match="同名"):
        save_upload(small_corpus, "a.txt", "不同内容".encode())
    with pytest.raises(UploadError, match="内容完全相同"):
        save_upload(small_corpus, "copy.txt", (small_corpus / "a.txt").read_bytes())
    path = save_upload(small_corpus, "../../etc/新报告.txt", "新报告\n一、志愿服务\n开展科技志愿服务活动19.4万场。\n".encode())
    assert path.parent == small_corpus.resolve() and path.name == "新报告.txt"
    import os

    assert corpus_status(small_corpus, os.environ["PARTYQA_INDEX"]).added == ["新报告.txt"]
    app.run()  # the app sees the change and updates the index
    ask(app, "科技志愿服务活动开展了多少场")
    assert "### 19.4万场" in texts(app)
