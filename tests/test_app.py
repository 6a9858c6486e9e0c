"""The Streamlit app, run for real with AppTest on a small corpus: the ask
page, the quote basket kept in SQLite, and the corpus page."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent

QUESTION = "全市开展了多少项科普活动？"
USER = "u-apptest-0123456789abcdef"


@pytest.fixture
def env(small_corpus, tmp_path, monkeypatch):
    (small_corpus / "hostile.md").write_text(
        "网页代码示例\n一、说明\n报告里出现<script>alert('x')</script>和**加粗**以及[链接](http://example.com)时必须原样显示。\n",
        encoding="utf-8")
    monkeypatch.setenv("PARTYQA_CORPUS", str(small_corpus))
    monkeypatch.setenv("PARTYQA_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("PARTYQA_DATA", str(tmp_path / "data"))
    return small_corpus, tmp_path / "data"


def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.session_state["user"] = USER  # the browser's cookie, which AppTest cannot send
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def app(env):
    return new_app()


def ask(at: AppTest, q: str) -> AppTest:
    at.text_input(key="query").input(q)
    next(b for b in at.button if b.label == "提问").click().run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.code] + [c.value for c in at.caption])


def passage_heads(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**[")]


def test_numeric_answer_with_citation_on_demand(app):
    ask(app, QUESTION)
    assert "### 18153项" in texts(app)
    # The citation is in the 引文 popover, as code with a copy button, not printed under each passage.
    assert any(c.value.startswith("据《市科协年度工作报告》（二、推进全域科普 > 一是办好科普活动）：“") and "18153项" in c.value
               for c in app.code)
    assert app.query_params["q"] in ([QUESTION], QUESTION)


def test_link_carries_question_and_settings(env):
    at = new_app({"q": QUESTION, "k": "1", "m": "keyword"})
    assert at.slider(key="k").value == 1 and at.radio(key="mode_label").value == "按字词"
    assert len(passage_heads(at)) == 1 and "18153项" in texts(at)
    at.slider(key="k").set_value(3).run()
    assert at.query_params["k"] in (["3"], "3") and at.query_params["q"] in ([QUESTION], QUESTION)


def test_overlong_question_in_a_link_is_clipped_with_a_note(env):
    at = new_app({"q": "科普" * 3000})
    assert len(at.text_input(key="query").value) == 200
    assert any("超过 200 字" in i.value for i in at.info)
    assert len(at.query_params["q"][0] if isinstance(at.query_params["q"], list) else at.query_params["q"]) == 200


def test_document_filter_narrows_results(app):
    ask(app, "工作")
    assert len({t.split("》")[0] for t in passage_heads(app)}) > 1
    app.multiselect(key="docs").select("b.txt").run()
    heads = passage_heads(app)
    assert heads and all("市科技局党组工作报告" in t for t in heads)
    assert app.query_params["d"] in (["b.txt"], "b.txt")


def trim_button(at: AppTest, item_id: int):
    return next(b for b in at.button if b.label == "保存裁剪" and b.proto.form_id == f"trim-form-{item_id}")


def test_basket_persists_and_is_edited(env):
    from indexer.basket import Basket

    at = new_app()
    ask(at, QUESTION)
    adds = [b for b in at.button if b.label == "加入摘录"]
    adds[0].click().run()
    [b for b in at.button if b.label == "加入摘录"][1].click().run()
    basket = Basket(env[1] / "partyqa.sqlite", USER)
    assert len(basket) == 2 and "18153项" in basket.quotes()[0].text

    # A new session (a reload, a restart) finds the same basket on its own page.
    at = new_app()
    at.switch_page("views/basket.py").run()
    assert not at.exception
    items = basket.items()
    first, second = items
    assert any(first.quote.text[:10] in m.value for m in at.markdown)
    at.button(key=f"down-{first.id}").click().run()
    assert [i.id for i in basket.items()] == [second.id, first.id]
    at.text_area(key=f"trim-{first.id}").input("18153项全域科普活动")
    trim_button(at, first.id).click().run()
    trimmed = next(i for i in basket.items() if i.id == first.id).quote
    source = (env[0] / trimmed.doc).read_text(encoding="utf-8")
    assert trimmed.text == "18153项全域科普活动" == source[trimmed.start:trimmed.end]
    at.text_area(key=f"trim-{second.id}").input("这句话原文里没有")
    trim_button(at, second.id).click().run()
    assert any("不能改动原文" in e.value for e in at.error)
    at.button(key="clear").click().run()
    assert len(basket) == 2 and any("确定清空" in w.value for w in at.warning)
    at.button(key="clear-no").click().run()
    assert len(basket) == 2
    at.button(key="clear").click().run()
    at.button(key="clear-yes").click().run()
    assert len(basket) == 0 and any("摘录篮是空的" in i.value for i in at.info)


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


def test_corpus_page_speaks_plainly(app):
    app.switch_page("views/corpus.py").run()
    assert not app.exception
    page = texts(app)
    assert "已收录 3 篇文档" in page
    for jargon in ("flat-ip", "维", "multilingual", "builtin:", "UTC"):
        assert jargon not in page
    df = app.dataframe[0].value
    assert list(df.columns)[0] == "状态" and set(df["文件"]) >= {"a.txt", "b.txt", "hostile.md"}


def test_edit_document_metadata_in_the_browser(app, env):
    corpus, _ = env
    app.switch_page("views/corpus.py").run()
    app.selectbox(key="edit-target").select("a.txt").run()
    next(t for t in app.text_input if t.label == "日期").input("2023年12月20日")
    next(t for t in app.text_input if t.label == "发文单位").input("市科协党组")
    next(t for t in app.text_input if t.label == "类型").input("工作报告")
    next(t for t in app.text_input if t.label == "年份").input("2023")
    next(b for b in app.button if b.label == "保存并更新索引").click().run()
    assert not app.exception
    entry = tomllib.loads((corpus / "catalog.toml").read_text(encoding="utf-8"))["a.txt"]
    assert entry == {"title": "市科协年度工作报告", "body": "市科协党组", "date": "2023年12月20日", "kind": "工作报告",
                     "year": 2023}
    assert any("已保存《市科协年度工作报告》" in s.value for s in app.success)
    df = app.dataframe[0].value
    row = df[df["文件"] == "a.txt"].iloc[0]
    assert row["日期"] == "2023年12月20日" and row["状态"] == "已收录"
    app.switch_page("views/ask.py").run()
    ask(app, QUESTION)
    assert any(c.value.endswith("（市科协党组，2023年12月20日）") for c in app.code)


def test_delete_then_undo_restores_the_document_and_its_answers(app, env):
    corpus, data = env
    app.switch_page("views/corpus.py").run()
    app.selectbox(key="delete-target").select("a.txt").run()
    app.button(key="delete").click().run()
    assert not (corpus / "a.txt").exists() and any((data / "recycle").iterdir())
    assert any("已删除《市科协年度工作报告》" in s.value for s in app.success)
    assert "a.txt" not in set(app.dataframe[0].value["文件"])
    app.switch_page("views/ask.py").run()
    ask(app, QUESTION)
    assert "### 18153项" not in texts(app)
    app.switch_page("views/corpus.py").run()
    app.button(key="undo").click().run()
    assert not app.exception and (corpus / "a.txt").exists()
    assert "a.txt" in set(app.dataframe[0].value["文件"])
    app.switch_page("views/ask.py").run()
    ask(app, QUESTION)
    assert "### 18153项" in texts(app)


def test_upload_validation_and_incremental_update(app, env):
    """AppTest cannot drive st.file_uploader; the page calls save_upload and
    then rebuilds, so that path is exercised here, and in the browser test."""
    import os

    from indexer.corpus import UploadError, corpus_status, save_upload

    corpus, _ = env
    with pytest.raises(UploadError, match="不支持"):
        save_upload(corpus, "virus.exe", b"MZ...")
    with pytest.raises(UploadError, match="同名"):
        save_upload(corpus, "a.txt", "不同内容".encode())
    with pytest.raises(UploadError, match="内容完全相同"):
        save_upload(corpus, "copy.txt", (corpus / "a.txt").read_bytes())
    path = save_upload(corpus, "../../etc/新报告.txt", "新报告\n一、志愿服务\n开展科技志愿服务活动19.4万场。\n".encode())
    assert path.parent == corpus.resolve() and path.name == "新报告.txt"
    assert corpus_status(corpus, os.environ["PARTYQA_INDEX"]).added == ["新报告.txt"]
    ask(app, "科技志愿服务活动开展了多少场")  # the app sees the change and updates the index first
    assert "### 19.4万场" in texts(app)


# --- at size: 300 generated reports ----------------------------------------------

@pytest.fixture(scope="module")
def large_index(tmp_path_factory, embedder):
    from bench.scale_corpus import Shape, generate
    from indexer.building import build_index

    corpus, index = tmp_path_factory.mktemp("large-corpus"), tmp_path_factory.mktemp("large-index")
    generate(300, corpus, seed=3, shape=Shape(sections=(1, 1), max_chars=60))  # two passages each
    build_index(corpus, index, embedder=embedder)
    return corpus, index


@pytest.fixture
def large_app(large_index, tmp_path, monkeypatch):
    monkeypatch.setenv("PARTYQA_CORPUS", str(large_index[0]))
    monkeypatch.setenv("PARTYQA_INDEX", str(large_index[1]))
    monkeypatch.setenv("PARTYQA_DATA", str(tmp_path / "data"))
    return new_app()


def documents_of(index: Path) -> dict:
    from indexer.store import open_store

    return open_store(index).current_manifest().documents


def offered(at: AppTest) -> set[str]:
    return {o.rsplit(" · ", 1)[-1] for o in at.multiselect(key="docs").options}  # labels end with the file name


@pytest.mark.slow
def test_document_picker_searches_instead_of_listing_300(large_app, large_index):
    at, docs = large_app, documents_of(large_index[1])
    assert len(docs) == 300 and len(offered(at)) == 50
    assert any("共 300 篇符合" in c.value for c in at.caption)
    at.text_input(key="doc-find").input("合肥").run()
    hefei = {d for d, m in docs.items() if "合肥" in m["title"]}
    assert 0 < len(hefei) < 50 and offered(at) == hefei
    pick = sorted(hefei)[0]
    at.multiselect(key="docs").select(pick).run()
    # Another search keeps what was chosen, offered beside the new matches.
    year = str(docs[pick]["year"])
    at.text_input(key="doc-find").input(f"{year} 总结").run()
    assert not at.exception and at.multiselect(key="docs").value == [pick]
    summaries = {d for d, m in docs.items() if year in m["title"] and "总结" in m["title"]}
    assert summaries and offered(at) == summaries | {pick}
    at.text_input(key="doc-find").input("没有这样的文档").run()
    assert offered(at) == {pick} and any("没有符合的文档" in c.value for c in at.caption)
    assert at.query_params["d"] in ([pick], pick)


@pytest.mark.slow
def test_corpus_page_shows_one_page_of_rows_and_turns_pages(large_app, large_index):
    at, docs = large_app, documents_of(large_index[1])
    at.switch_page("views/corpus.py").run()
    assert not at.exception
    first = list(at.dataframe[0].value["文件"])
    assert len(first) == 50 and any("第 1/6 页" in c.value for c in at.caption)
    assert len(at.selectbox(key="delete-target").options) == 51  # this page's documents and "请选择"
    at.button(key="corpus-next").click().run()
    second = list(at.dataframe[0].value["文件"])
    assert len(second) == 50 and not set(first) & set(second) and at.number_input(key="corpus-page").value == 2
    assert any("第 2/6 页" in c.value for c in at.caption)
    at.number_input(key="corpus-page").set_value(6).run()
    assert at.button(key="corpus-next").disabled and len(at.dataframe[0].value) == 50
    # A filter goes back to its first page and shows only matching rows.
    at.text_input(key="corpus-find").input("合肥").run()
    rows = at.dataframe[0].value
    assert set(rows["文件"]) == {d for d, m in docs.items() if "合肥" in m["title"]}
    assert at.session_state["corpus-page"] == 1
