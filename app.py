"""党建文档问答 — Streamlit front end. It only renders what the ``indexer``
library returns; all searching, answering and corpus handling live there.

Run: ``streamlit run app.py``. The corpus folder comes from PARTYQA_CORPUS
(default ``corpus``); the index from PARTYQA_STORE (a folder or an
``oceanbase://`` URL), else PARTYQA_INDEX, else ``index``. A folder index is
kept in step with the corpus folder; a shared OceanBase index only when
PARTYQA_AUTO_BUILD=1.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import streamlit as st

from indexer.answering import MASKED_NOTICE, Answerer, AskResult
from indexer.building import build_index
from indexer.corpus import UploadError, corpus_status, delete_document, save_upload
from indexer.embedding import Embedder
from indexer.exporting import Quote, quotes_to_docx, quotes_to_markdown
from indexer.keywords import word_tokens
from indexer.retrieval import Searcher
from indexer.storage import IndexError_
from indexer.stores import is_url, open_store, resolve_spec

CORPUS = Path(os.environ.get("PARTYQA_CORPUS", "corpus"))
INDEX = resolve_spec(None, default=os.environ.get("PARTYQA_INDEX", "index"))
MODEL = os.environ.get("PARTYQA_MODEL") or None
# A shared (OceanBase) index is updated by whoever builds it: an app whose own
# corpus folder differs must not "sync" it, or a reader with an empty folder
# would delete every document for everyone. PARTYQA_AUTO_BUILD=1 opts in.
AUTO_BUILD = os.environ.get("PARTYQA_AUTO_BUILD", "0" if is_url(INDEX) else "1") == "1"
MODES = {"混合": "hybrid", "语义": "dense", "关键词": "keyword"}

st.set_page_config(page_title="党建文档问答", page_icon="📑", layout="wide")


@st.cache_resource(show_spinner="正在加载模型……")
def get_embedder(name: str | None) -> Embedder:
    return Embedder(name) if name else Embedder()


@st.cache_resource(show_spinner=False)
def get_store(spec: str):
    return open_store(spec)


@st.cache_resource(show_spinner="正在加载索引……", max_entries=2)
def get_answerer(spec: str, version: str) -> Answerer:
    # Keyed by version: after a rebuild the new version is loaded, while a
    # session that is mid-answer keeps the old object until it finishes.
    snapshot = get_store(spec).current()
    return Answerer(Searcher(snapshot, get_embedder(snapshot.manifest["model"]["name"])))


def run_build(rebuild: bool = False) -> None:
    bar = st.progress(0.0, text="正在更新索引……")

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed":
            bar.progress(min(1.0, done / max(total, 1)) * 0.9, text=f"正在计算向量：{done}/{total} 段")
        else:
            bar.progress(0.95 if done < total else 1.0, text="正在写入索引……")

    prev = get_store(INDEX).current_manifest()
    name = MODEL or (prev["model"]["name"] if prev else None)
    report = build_index(CORPUS, get_store(INDEX), embedder=get_embedder(name), rebuild=rebuild, progress=progress)
    bar.empty()
    st.toast(report.summary().splitlines()[0])
    for s in report.skipped:
        st.warning(f"已跳过 {s.path}：{s.reason}")


def ensure_index() -> Answerer | None:
    status = corpus_status(CORPUS, get_store(INDEX))
    if status.stale and (AUTO_BUILD or not status.has_index):
        run_build()
    elif status.stale:
        st.sidebar.caption("本机语料与共享索引不一致；共享索引由构建方更新（设 PARTYQA_AUTO_BUILD=1 则由本应用自动更新）。")
    try:
        version = get_store(INDEX).current_name()
        return get_answerer(INDEX, version)
    except IndexError_ as exc:
        st.error(str(exc))
        return None


# Every character that HTML or Streamlit's Markdown/LaTeX could act on becomes
# a numeric entity, so that document text (masked ** figures, <script>, 1.
# at a line start) is shown literally and never rendered.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'*_`[]#~|$\\{}!+-=:"}


def literal(text: str) -> str:
    """Document text as inert HTML for ``st.markdown(..., unsafe_allow_html=True)``."""
    out = "".join(_ENTITIES.get(ch, ch) for ch in text).replace("\n", "<br>")
    # Newlines become <br>, so only the very start could open a list ("1. …").
    return re.sub(r"^(\s*\d+)\.(?=\s|$)", r"\1&#46;", out)


def highlight(text: str, terms: list[str], spans: list[tuple[int, int]] = ()) -> str:
    """HTML for a passage: everything escaped, answer spans and question
    terms marked. Document text is never interpreted as HTML or Markdown."""
    marks = [0] * len(text)
    for s, e in spans:
        for i in range(max(0, s), min(len(text), e)):
            marks[i] = 2
    for t in sorted(set(terms), key=len, reverse=True):
        if len(t) < 2:
            continue
        for m in re.finditer(re.escape(t), text):
            for i in range(m.start(), m.end()):
                marks[i] = marks[i] or 1
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = literal(text[i:j])
        style = {1: "background:#fff3b0", 2: "background:#ffd166;font-weight:600"}.get(marks[i])
        out.append(f'<mark style="{style}">{chunk}</mark>' if style else chunk)
        i = j
    return "".join(out)


def basket() -> list[Quote]:
    return st.session_state.setdefault("basket", [])


def add_quote(q: Quote) -> None:
    if all(x.key() != q.key() for x in basket()):
        basket().append(q)
        st.toast("已加入摘录")


def render_result(result: AskResult, answerer: Answerer) -> None:
    terms = word_tokens(result.query)
    docs = answerer.searcher.documents
    if not result.found:
        st.warning(result.message)
    elif result.answers:
        with st.container(border=True):
            st.markdown("**答案**")
            for a in result.answers:
                h = result.hits[a.hit]
                label = f"{a.text}（{MASKED_NOTICE}）" if a.masked else a.text
                if result.kind != "passage":
                    st.markdown(f"### {literal(label)}", unsafe_allow_html=True)
                st.markdown(highlight(a.sentence, terms, [(a.sentence.find(a.text), a.sentence.find(a.text) + len(a.text))]),
                            unsafe_allow_html=True)
                st.caption(literal(f"出处：《{h.chunk.title}》 {h.chunk.section}"), unsafe_allow_html=True)
                st.code(a.citation, language=None, wrap_lines=True)
                if st.button("加入摘录", key=f"ans-{a.start}-{a.end}"):
                    meta = docs.get(h.chunk.doc, {})
                    add_quote(Quote(a.sentence, a.citation, h.chunk.title, h.chunk.section, h.chunk.doc,
                                    a.start, a.end, meta.get("body", ""), meta.get("date", "")))
            if result.message:
                st.info(result.message)
    st.markdown("#### 来源段落" if result.found else "#### 最接近的段落（低相关度）")
    for i, (h, cite) in enumerate(zip(result.hits, result.citations)):
        c = h.chunk
        meta = docs.get(c.doc, {})
        spans = [(a.start - c.start, a.end - c.start) for a in result.answers if a.hit == i]
        with st.container(border=True):
            info = " · ".join(x for x in (meta.get("body", ""), meta.get("date", ""), f"第{c.page}页" if c.page else "") if x)
            st.markdown(f"**[{i + 1}]《{literal(c.title)}》**", unsafe_allow_html=True)
            if c.section:
                st.caption(literal(c.section), unsafe_allow_html=True)
            if info:
                st.caption(literal(info), unsafe_allow_html=True)
            st.markdown(highlight(c.text, terms, spans), unsafe_allow_html=True)
            st.code(cite, language=None, wrap_lines=True)
            if st.button("加入摘录", key=f"hit-{c.doc}-{c.start}"):
                add_quote(Quote(c.text, cite, c.title, c.section, c.doc, c.start, c.end,
                                meta.get("body", ""), meta.get("date", "")))


def page_ask(answerer: Answerer) -> None:
    st.title("党建文档问答")
    docs = answerer.searcher.documents
    with st.sidebar:
        st.subheader("检索设置")
        titles = {d: m["title"] for d, m in docs.items()}
        chosen = st.multiselect("限定文档", options=list(titles), format_func=lambda d: titles[d], key="docs")
        k = st.slider("返回段落数", 1, 20, 5, key="k")
        mode = st.radio("检索方式", list(MODES), horizontal=True, key="mode")
    default = st.query_params.get("q", "")
    with st.form("ask"):
        query = st.text_input("请输入问题", value=default, placeholder="例如：全市开展了多少项科普活动？", key="query")
        submitted = st.form_submit_button("提问", type="primary")
    if submitted:
        st.query_params["q"] = query
    if not query.strip():
        st.caption(f"已索引 {len(docs)} 篇文档。输入问题后按回车或点击“提问”。")
        return
    if MODES[mode] == "hybrid":
        result = answerer.ask(query, k=k, docs=chosen or None)
    else:
        # Other modes are for comparing rankings: show passages only.
        hits = answerer.searcher.search(query, k=k, mode=MODES[mode], docs=chosen or None)
        result = AskResult(query, bool(hits), [], hits, [answerer.cite(h, h.chunk.text) for h in hits])
    render_result(result, answerer)


def page_basket() -> None:
    st.title("摘录篮")
    items = basket()
    if not items:
        st.info("摘录篮是空的。在问答页点击“加入摘录”收集原文。")
        return
    for i, q in enumerate(list(items)):
        with st.container(border=True):
            st.markdown(literal(q.citation), unsafe_allow_html=True)
            c1, c2, c3, _ = st.columns([1, 1, 1, 6])
            if c1.button("上移", key=f"up-{i}", disabled=i == 0):
                items[i - 1], items[i] = items[i], items[i - 1]
                st.rerun()
            if c2.button("下移", key=f"down-{i}", disabled=i == len(items) - 1):
                items[i + 1], items[i] = items[i], items[i + 1]
                st.rerun()
            if c3.button("删除", key=f"del-{i}"):
                items.pop(i)
                st.rerun()
    c1, c2 = st.columns(2)
    c1.download_button("下载 Word（.docx）", quotes_to_docx(items), file_name="摘录.docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    c2.download_button("下载 Markdown", quotes_to_markdown(items), file_name="摘录.md", mime="text/markdown")


def page_corpus(answerer: Answerer | None) -> None:
    st.title("语料管理")
    store = get_store(INDEX)
    manifest = store.current_manifest()
    if manifest:
        m = manifest
        st.caption(f"索引位置：{store.label} · 索引模型：{m['model']['name']}（{m['model']['dim']} 维）· "
                   f"段落 {m['counts']['chunks']} 个 · 向量索引 {m['vector_index']['type']} · "
                   f"大小 {store.size_bytes() / 1e6:.1f} MB · 构建于 {m['created']}")
    status = corpus_status(CORPUS, store)
    docs = manifest.get("documents", {}) if manifest else {}
    rows = [{"文件": d, "标题": m["title"], "发文单位": m.get("body", ""), "日期": m.get("date", ""),
             "段落数": m["chunks"], "状态": "已修改，待更新" if d in status.changed else "已索引"} for d, m in docs.items()]
    rows += [{"文件": d, "标题": "", "发文单位": "", "日期": "", "段落数": 0, "状态": "未索引"} for d in status.added]
    skipped = manifest.get("skipped", {}) if manifest else {}
    rows += [{"文件": d, "标题": "", "发文单位": "", "日期": "", "段落数": 0, "状态": f"已跳过：{r}"} for d, r in skipped.items()]
    st.dataframe(rows, hide_index=True, use_container_width=True)

    st.subheader("上传报告")
    up = st.file_uploader("支持 .txt、.md、.docx、.pdf（20 MB 以内）", type=["txt", "md", "docx", "pdf"],
                          accept_multiple_files=False, key="upload")
    overwrite = st.checkbox("如有同名文件则覆盖", key="overwrite")
    if up is not None and st.button("保存并更新索引", key="save-upload"):
        try:
            path = save_upload(CORPUS, up.name, up.getvalue(), overwrite=overwrite)
        except UploadError as exc:
            st.error(str(exc))
        else:
            st.success(f"已保存：{path.name}")
            run_build()

    st.subheader("删除文档")
    target = st.selectbox("选择要删除的文档", options=[""] + list(docs), key="delete-target",
                          format_func=lambda d: docs[d]["title"] if d else "（请选择）")
    if target and st.button("确认删除并更新索引", key="delete"):
        try:
            delete_document(CORPUS, target)
        except UploadError as exc:
            st.error(str(exc))
        else:
            st.success("已删除")
            run_build()
    if st.button("重建整个索引", key="rebuild"):
        run_build(rebuild=True)


def main() -> None:
    page = st.sidebar.radio("功能", ["问答", "摘录篮", "语料管理"], key="page")
    st.sidebar.caption(f"摘录 {len(basket())} 条")
    try:
        answerer = ensure_index()
    except Exception as exc:  # shown to users; details go to the server log
        st.error(f"索引不可用：{exc}")
        answerer = None
    if page == "问答":
        if answerer is not None:
            page_ask(answerer)
    elif page == "摘录篮":
        page_basket()
    else:
        page_corpus(answerer)


main()
