"""摘录篮: the user's quotes, kept in SQLite (see indexer.basket): trim to
the key phrase, reorder, delete, clear, copy, export to Word or Markdown."""

from __future__ import annotations

import streamlit as st

from indexer.basket import TrimError, with_meta
from indexer.exporting import quotes_to_docx, quotes_to_markdown
from indexer.webui import literal, section_html
from views import common

st.title("摘录篮")
try:
    b = common.basket()
    items = b.items()
except Exception as exc:  # noqa: BLE001
    common.show_error(exc, "摘录篮无法打开")
    st.stop()

for kind in ("flash", "flash_error"):
    msg = st.session_state.pop(kind, "")
    if msg:
        (st.toast if kind == "flash" else st.error)(msg)


def move(item_id: int, step: int) -> None:
    b.move(item_id, step)


def delete(item_id: int) -> None:
    b.delete(item_id)
    st.session_state["flash"] = "已删除一条摘录"


def trim(item_id: int) -> None:
    try:
        b.trim(item_id, st.session_state.get(f"trim-{item_id}", ""))
    except TrimError as exc:
        st.session_state["flash_error"] = str(exc)
    else:
        st.session_state["flash"] = "已裁剪"
        st.session_state.pop(f"trim-{item_id}", None)


def untrim(item_id: int) -> None:
    b.untrim(item_id)
    st.session_state.pop(f"trim-{item_id}", None)
    st.session_state["flash"] = "已恢复整段"


def clear() -> None:
    n = b.clear()
    st.session_state["confirm_clear"] = False
    st.session_state["flash"] = f"已清空 {n} 条摘录"


if not items:
    st.info("摘录篮是空的。在“问答”页点击“加入摘录”收集原文。摘录保存在本机，刷新页面或重启程序都不会丢失。")
    st.stop()

st.caption(f"共 {len(items)} 条。摘录保存在本机，刷新页面或重启程序都不会丢失。")
try:
    manifest = common.engine().store.current_manifest()
    documents = manifest.documents if manifest else {}
except Exception:  # noqa: BLE001 - fall back to the metadata stored with each quote
    documents = {}

for n, it in enumerate(items):
    q = with_meta(it.quote, documents.get(it.quote.doc, {}))
    with st.container(border=True):
        trimmed = " <span class='pq-meta'>（已裁剪）</span>" if it.quote.text != it.source else ""
        st.markdown(f"**{n + 1}.** {literal(q.text)}{trimmed}", unsafe_allow_html=True)
        info = " · ".join(literal(x) for x in (q.body, q.date) if x)
        st.markdown(f'<span class="pq-meta">《{literal(q.title)}》 {section_html(q.section)}'
                    f'{" · " + info if info else ""}</span>', unsafe_allow_html=True)
        c = st.columns([1, 1, 1, 1, 1, 3])
        c[0].button("上移", key=f"up-{it.id}", disabled=n == 0, on_click=move, args=(it.id, -1))
        c[1].button("下移", key=f"down-{it.id}", disabled=n == len(items) - 1, on_click=move, args=(it.id, 1))
        with c[2].popover("复制"):
            st.caption("原文（点右上角的按钮复制）")
            st.code(q.text, language=None, wrap_lines=True)
            st.caption("带出处的引文")
            st.code(q.citation, language=None, wrap_lines=True)
        with c[3].popover("裁剪"):
            with st.form(f"trim-form-{it.id}", border=False):
                st.text_area("保留的文字", value=it.quote.text, key=f"trim-{it.id}", height=150)
                st.caption("删去开头和结尾不需要的文字，只保留要引用的部分；中间的原文不能改动。")
                st.form_submit_button("保存裁剪", on_click=trim, args=(it.id,), type="primary")
            if it.quote.text != it.source:
                st.button("恢复整段", key=f"untrim-{it.id}", on_click=untrim, args=(it.id,))
        c[4].button("删除", key=f"del-{it.id}", on_click=delete, args=(it.id,))

if st.session_state.get("confirm_clear"):
    st.warning(f"确定清空全部 {len(items)} 条摘录吗？清空后无法恢复。")
    c1, c2, _ = st.columns([1, 1, 6])
    c1.button("确认清空", key="clear-yes", type="primary", on_click=clear)
    c2.button("取消", key="clear-no", on_click=lambda: st.session_state.update(confirm_clear=False))
else:
    st.button("清空摘录篮", key="clear", on_click=lambda: st.session_state.update(confirm_clear=True))

st.subheader("导出")
for name, label, default in (("export_title", "文档标题", "摘录"), ("author", "署名（文末落款和文档作者）", "")):
    if f"set-{name}" not in st.session_state:
        st.session_state[f"set-{name}"] = b.setting(name, default)
c1, c2 = st.columns(2)
title = c1.text_input("文档标题", key="set-export_title", max_chars=60,
                      on_change=lambda: b.set_setting("export_title", st.session_state["set-export_title"]))
author = c2.text_input("署名（文末落款和文档作者）", key="set-author", max_chars=60, placeholder="例如：市科协办公室",
                       on_change=lambda: b.set_setting("author", st.session_state["set-author"]))
title = title.strip() or "摘录"
quotes = [with_meta(i.quote, documents.get(i.quote.doc, {})) for i in items]
st.caption("Word 文件按党政机关公文格式排版：A4 纸，仿宋三号正文，小标宋标题，文末附出处列表、落款和日期。")
c1, c2, _ = st.columns([1, 1, 3])
c1.download_button("下载 Word（.docx）", quotes_to_docx(quotes, heading=title, author=author.strip()),
                   file_name=f"{title}.docx", key="export-docx", type="primary",
                   on_click=common.audit, args=("export", f"{title}.docx", f"{len(quotes)} 条摘录"),
                   mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
c2.download_button("下载 Markdown", quotes_to_markdown(quotes, heading=title, author=author.strip()),
                   file_name=f"{title}.md", key="export-md", mime="text/markdown",
                   on_click=common.audit, args=("export", f"{title}.md", f"{len(quotes)} 条摘录"))
