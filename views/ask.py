"""问答: the question box first (it paints before the model is loaded),
then the answers and each source passage once, citation on demand."""

from __future__ import annotations

import html

import streamlit as st

from indexer.answering import MASKED_NOTICE, AskResult
from indexer.exporting import Quote
from indexer.keywords import word_tokens
from indexer.webui import (MAX_QUESTION_CHARS, MODES, PICKER_LIMIT, clip_question, doc_label, facet_options,
                           filter_docs, highlight, literal, match_documents, merge_passages, params_to_settings,
                           place_answers, section_html, settings_to_params)
from views import common, history

e = common.engine()
st.title("党建文档问答")

# Settings start from the link (a shared or reloaded page), once per session.
if "settings_loaded" not in st.session_state:
    s = params_to_settings(st.query_params.get_all)
    st.session_state.update({"query": s["q"], "k": s["k"], "mode_label": next(l for l, m in MODES.items() if m == s["mode"]),
                             "docs": s["docs"], "clipped": s["clipped"], "settings_loaded": True})
    for label, values in s["facets"].items():
        st.session_state[f"facet-{label}"] = values
# Streamlit forgets a widget's value while another page is shown; the copies
# kept under "keep-…" bring the question and settings back on return.
for key, value in list(st.session_state.items()):
    if key.startswith("keep-") and value is not None and key[5:] not in st.session_state:
        st.session_state[key[5:]] = value

flash = st.session_state.pop("flash", "")
if flash:
    st.toast(flash)


def add_to_basket(q: Quote) -> None:
    b = common.basket()
    added = b.add(q)
    common.audit("quote", q.doc, f"{q.start}-{q.end}")  # where, not the text: no document text in the log
    st.session_state["flash"] = f"已加入摘录篮（共 {len(b)} 条）" if added else "摘录篮里已有这段原文"


with st.form("ask", border=False):
    col_q, col_b = st.columns([8, 1], vertical_alignment="bottom")
    col_q.text_input("请输入问题", key="query", max_chars=MAX_QUESTION_CHARS,
                     placeholder="例如：全市开展了多少项科普活动？")
    col_b.form_submit_button("提问", type="primary", width="stretch")
st.caption(f"按回车或点击“提问”。问题不超过 {MAX_QUESTION_CHARS} 字。")
if st.session_state.pop("clipped", False):
    st.info(f"链接中的问题超过 {MAX_QUESTION_CHARS} 字，只取了前 {MAX_QUESTION_CHARS} 字。")

# The document list is in the live index's manifest: readable before the model loads.
try:
    manifest = e.store.current_manifest() if e.answerer is None else None
    documents = e.answerer.searcher.documents if e.answerer is not None else (
        manifest.documents if manifest else {})
except Exception:  # noqa: BLE001 - no index yet: the scope is offered once it exists
    documents = {}

facets = facet_options(documents)
scoped = any(st.session_state.get(f"facet-{l}") for l in facets) or bool(st.session_state.get("docs"))
with st.expander("限定范围" + ("（已限定）" if scoped else ""), expanded=scoped):
    chosen_facets = {}
    if facets:
        cols = st.columns(len(facets))
        for col, (label, values) in zip(cols, facets.items()):
            key = f"facet-{label}"
            st.session_state[key] = [v for v in st.session_state.get(key, []) if v in values]
            chosen_facets[label] = col.multiselect(label, values, key=key, placeholder="全部",
                                                   format_func=lambda v: f"{v}年" if isinstance(v, int) else str(v),
                                                   select_all=False)
    st.session_state["docs"] = kept = [d for d in st.session_state.get("docs", []) if d in documents]
    # A large corpus is searched, not listed: the picker offers what is chosen plus at most PICKER_LIMIT matches.
    many = len(documents) > PICKER_LIMIT
    if many:
        find = st.text_input("查找文档", key="doc-find", max_chars=50,
                             placeholder="输入标题、文件名、发文单位、地区或年份中的字词，如：合肥 2023 总结")
        found, total = match_documents(documents, find)
    else:
        found, total = list(documents), len(documents)
    chosen = st.multiselect("文档", kept + [d for d in found if d not in kept], key="docs", placeholder="全部文档",
                            format_func=lambda d: doc_label(d, documents.get(d, {})), select_all=False)
    if many and total > len(found):
        st.caption(f"共 {total} 篇符合，下拉框列出最新的 {len(found)} 篇；输入更多字词可缩小范围。")
    elif many and not total:
        st.caption("没有符合的文档，请换个字词。")
with st.expander("高级"):
    mode_label = st.radio("检索方式", list(MODES), horizontal=True, key="mode_label",
                          help="智能：综合意思和字词，适合大多数问题；按意思：换了说法也能找到；按字词：只找含有这些字词的段落。")
    k = st.slider("返回段落数", 1, 20, key="k")
mode = MODES[mode_label]
for key in ["query", "k", "mode_label", "docs", "doc-find"] + [f"facet-{l}" for l in facets]:
    st.session_state[f"keep-{key}"] = st.session_state.get(key)

query, _ = clip_question(st.session_state.get("query", ""))
scope = filter_docs(documents, chosen_facets, chosen)
# The address carries the question and its settings: a reload or a shared link shows the same page.
st.query_params.from_dict(settings_to_params(query, k, mode, chosen, chosen_facets))

status = st.empty()
if not query:
    if common.wait_until_ready(e, status, need=False):
        st.caption(f"已收录 {len(e.answerer.searcher.documents)} 篇文档。")
    history.recent_box()
    st.stop()
if scope == []:
    st.warning("没有符合所选范围的文档，请放宽“限定范围”。")
    st.stop()
if not common.wait_until_ready(e, status, need=True):
    st.stop()

answerer = e.answerer
try:
    if mode == "hybrid":
        result = answerer.ask(query, k=k, docs=scope)
    else:
        # The other modes compare rankings: passages only.
        hits = answerer.searcher.search(query, k=k, mode=mode, docs=scope)
        result = AskResult(query, bool(hits), [], hits, [answerer.cite(h, h.chunk.text) for h in hits])
except Exception as exc:  # noqa: BLE001
    common.show_error(exc, "检索失败")
    st.stop()

question_id = history.record(result, common.kb().name, (k, mode, tuple(scope or ())))
docs_meta = answerer.searcher.documents
terms = word_tokens(result.query)


def quote_of(doc: str, title: str, section: str, start: int, end: int, text: str, page) -> Quote:
    meta = docs_meta.get(doc, {})
    return Quote(text, title, section, doc, start, end, meta.get("body", ""), meta.get("date", ""), page)


def actions(q: Quote, key: str) -> None:
    c1, c2, _ = st.columns([1.2, 1, 6])
    c1.button("加入摘录", key=f"add-{key}", on_click=add_to_basket, args=(q,))
    with c2.popover("引文"):
        st.caption("点右上角的按钮复制")
        st.code(q.citation, language=None, wrap_lines=True)


if result.message:
    (st.info if result.found else st.warning)(result.message)
passages = merge_passages(result.hits)
placed = place_answers(passages, result.answers, result.hits)
if result.found and result.answers:
    with st.container(border=True):
        st.markdown("**答案**")
        for ai, a in enumerate(result.answers):
            h = result.hits[a.hit]
            c = h.chunk
            label = getattr(a, "label", "")
            if label:
                st.markdown(f"**{literal(label)}**", unsafe_allow_html=True)
            if result.kind != "passage":
                text = f"{a.text}（{MASKED_NOTICE}）" if a.masked else a.text
                st.markdown(f"### {literal(text)}", unsafe_allow_html=True)
            at = a.sentence.find(a.text)
            st.markdown(highlight(a.sentence, terms, [(at, at + len(a.text))]), unsafe_allow_html=True)
            where = f"见下文第 {placed[ai] + 1} 段" if ai in placed else ""
            st.markdown(f'<span class="pq-meta">出处：《{literal(c.title)}》 {section_html(c.section)} {where}</span>',
                        unsafe_allow_html=True)
            # The occurrence that holds the answer: a sentence can repeat in a passage.
            sent_start = c.start + next(
                (i for i in range(len(c.text)) if c.text.startswith(a.sentence, i)
                 and c.start + i <= a.start and a.end <= c.start + i + len(a.sentence)),
                max(0, c.text.find(a.sentence)))
            actions(quote_of(c.doc, c.title, c.section, sent_start, sent_start + len(a.sentence), a.sentence, c.page),
                    f"ans-{c.doc}-{sent_start}")

st.markdown("#### 来源段落" if result.found else "#### 最接近的段落（低相关度）")
for i, p in enumerate(passages):
    meta = docs_meta.get(p.doc, {})
    with st.container(border=True):
        info = " · ".join(x for x in (meta.get("body", ""), meta.get("date", ""), f"第{p.page}页" if p.page else "") if x)
        head = f"**[{i + 1}]《{literal(p.title)}》**"
        st.markdown(head + (f' <span class="pq-meta">{literal(info)}</span>' if info else ""), unsafe_allow_html=True)
        if p.section:
            st.markdown(f'<span class="pq-meta">{section_html(p.section)}</span>', unsafe_allow_html=True)
        st.markdown(highlight(p.text, terms, p.spans), unsafe_allow_html=True)
        actions(quote_of(p.doc, p.title, p.section, p.start, p.end, p.text, p.page), f"hit-{p.doc}-{p.start}")

history.feedback_box(question_id)
history.recent_box()

# For the browser benchmark: marks that this question's answer is on the page.
st.html(f'<div class="pq-answered" data-q="{html.escape(query, quote=True)}"></div>')
