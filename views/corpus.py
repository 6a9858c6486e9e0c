"""语料管理: the documents and their state, per-document title/body/date/kind
(written to catalog.toml and indexed), uploads, delete with undo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from indexer.config import MAX_UPLOAD_BYTES
from indexer.corpus import (UploadError, delete_document, list_recycled, restore_document,
                            save_upload, update_catalog)
from indexer import ocr
from indexer.loading import read_catalog
from indexer.store import Manifest
from indexer.webui import PAGE_ROWS, doc_label, literal, match_rows, page_of
from views import common

K = common.kb()  # the session's knowledge base; editing needs an edit grant there
if not common.can_edit(K):
    st.error(f"没有权限修改知识库“{K.name}”。")
    st.stop()
st.title("语料管理" if common.single_user() else f"语料管理 · {K.name}")
e = common.engine(need_documents=False)  # the first upload goes through this page
for kind in ("flash", "flash_error"):
    msg = st.session_state.pop(kind, "")
    if msg:
        (st.success if kind == "flash" else st.error)(msg)


def update_index(rebuild: bool = False) -> bool:
    """Rebuild now with a progress bar; the status and the answers follow at once."""
    bar = st.progress(0.0, text="正在更新索引……")

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "ocr":
            bar.progress(0.0, text=f"正在识别扫描页（OCR）：{done}/{total} 页")
        elif stage == "embed":
            bar.progress(min(1.0, done / max(total, 1)) * 0.9, text=f"正在更新索引：计算 {done}/{total} 段")
        else:
            bar.progress(0.95 if done < total else 1.0, text="正在写入索引……")

    try:
        report = e.build_now(rebuild=rebuild, progress=progress)
    except Exception as exc:  # noqa: BLE001
        bar.empty()
        common.show_error(exc, "索引更新失败")
        return False
    bar.empty()
    if report is not None:
        parts = [f"{label} {len(x)} 篇" for label, x in (("新增", report.added), ("修改", report.changed),
                                                         ("删除", report.removed)) if x]
        st.session_state["build_note"] = "索引已更新" + ("：" + "，".join(parts) if parts else "") + "。"
        st.session_state["build_skipped"] = [(s.path, s.reason) for s in report.skipped]
    return True


def when(stamp: str) -> str:
    try:
        t = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").astimezone()
    except (TypeError, ValueError):
        return ""
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


# An undo (a callback) lands here first, so that the table below is already current.
if st.session_state.get("restored"):
    path = st.session_state.pop("restored")
    if update_index():
        st.session_state["flash"] = f"已恢复：{path}"
        st.rerun()

try:
    manifest = e.store.current_manifest() or Manifest()
    status = e.status()
except Exception as exc:  # noqa: BLE001
    common.show_error(exc, "索引无法读取")
    st.stop()
docs = manifest.documents
note = st.session_state.pop("build_note", "")
if note:
    st.toast(note)
for path, reason in st.session_state.pop("build_skipped", []):
    st.warning(f"“{path}”未能收录：{reason}")

pending = len(status.added) + len(status.changed) + len(status.removed)
line = f"已收录 {len(docs)} 篇文档，共 {manifest.counts.get('chunks', 0)} 个段落"
if manifest.created:
    line += f"；索引更新于 {when(manifest.created)}"
st.caption(line + "。")
if e.busy:
    st.info(f"⏳ {e.stage or '正在后台更新索引……'}")
elif pending and status.has_index:
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.warning(f"有 {pending} 处改动尚未更新到索引。")
    if c2.button("立即更新索引", key="sync"):
        update_index()
        st.rerun()
if e.error:
    st.error(e.error)

catalog = read_catalog(K.corpus) if K.corpus.is_dir() else {}
rows = []
for d, m in docs.items():
    state = "已修改，待更新" if d in status.changed else "已收录"
    rows.append({"状态": state, "标题": m.get("title", ""), "发文单位": m.get("body", ""), "日期": m.get("date", ""),
                 "类型": m.get("kind") or catalog.get(d, {}).get("kind", ""), "段落": m.get("chunks", 0), "文件": d})
rows += [{"状态": "待收录", "标题": "", "发文单位": "", "日期": "", "类型": "", "段落": 0, "文件": d} for d in status.added]
rows += [{"状态": "无法读取", "标题": r, "发文单位": "", "日期": "", "类型": "", "段落": 0, "文件": d}
         for d, r in manifest.skipped.items()]

# The table in pages of PAGE_ROWS, with a filter: ten thousand rows are neither sent nor read at once.
def to_page(n: int) -> None:
    st.session_state["corpus-page"] = n


if len(rows) > PAGE_ROWS:
    st.text_input("查找", key="corpus-find", max_chars=50, on_change=to_page, args=(1,),
                  placeholder="标题、文件名、发文单位、日期或状态中的字词，如：合肥 2023")
shown = match_rows(rows, st.session_state.get("corpus-find", "")) if len(rows) > PAGE_ROWS else rows
page_rows, page, pages = page_of(shown, st.session_state.get("corpus-page", 1))
st.session_state["corpus-page"] = page  # clamped: the filter or a deletion may have left fewer pages
st.dataframe(page_rows, hide_index=True, width="stretch",
             column_config={"状态": st.column_config.TextColumn(width="small"),
                            "标题": st.column_config.TextColumn(width="large"),
                            "段落": st.column_config.NumberColumn(width="small")})
if pages > 1:
    c1, c2, c3, c4 = st.columns([1, 1.2, 1, 4], vertical_alignment="center")
    c1.button("上一页", key="corpus-prev", on_click=to_page, args=(page - 1,), disabled=page <= 1)
    c2.number_input("页码", min_value=1, max_value=pages, step=1, key="corpus-page", label_visibility="collapsed")
    c3.button("下一页", key="corpus-next", on_click=to_page, args=(page + 1,), disabled=page >= pages)
    c4.caption(f"第 {page}/{pages} 页，每页 {PAGE_ROWS} 篇，共 {len(shown)} 篇")
elif len(rows) > PAGE_ROWS:
    st.caption(f"共 {len(shown)} 篇符合。")

# --- edit one document's title, issuing body, date, kind, place, year ------
st.subheader("编辑文档信息")
# The pickers below list the documents of the table's page (all of them in a small corpus), plus the one chosen.
on_page = sorted((r["文件"] for r in page_rows if r["文件"] in docs), key=lambda d: doc_label(d, docs[d]))


def picker(key: str) -> list[str]:
    current = st.session_state.get(key)
    if current and current not in docs:
        st.session_state[key] = current = ""  # deleted meanwhile
    return [""] + ([current] if current in docs and current not in on_page else []) + on_page


if pages > 1:
    st.caption("下拉框列出上表当前页的文档；要找别的文档，先在上面的“查找”中输入字词或翻页。")
target = st.selectbox("选择文档", picker("edit-target"), key="edit-target",
                      format_func=lambda d: doc_label(d, docs[d]) if d else "（请选择）", placeholder="请选择")
if target:
    m, entry = docs[target], catalog.get(target, {})
    with st.form(f"edit-{target}"):
        c1, c2 = st.columns(2)
        title = c1.text_input("标题", value=entry.get("title") or m.get("title", ""), max_chars=120)
        body = c2.text_input("发文单位", value=entry.get("body") or m.get("body", ""), max_chars=60,
                             placeholder="例如：市科协党组")
        c1, c2, c3, c4 = st.columns(4)
        date = c1.text_input("日期", value=entry.get("date") or m.get("date", ""), max_chars=20,
                             placeholder="例如：2023年12月20日")
        kind = c2.text_input("类型", value=entry.get("kind") or m.get("kind", "") or "", max_chars=20,
                             placeholder="如：工作报告、总结、讲话")
        place = c3.text_input("地区", value=entry.get("place") or m.get("place", "") or "", max_chars=20,
                              placeholder="例如：重庆市")
        year = c4.text_input("年份", value=str(entry.get("year") or m.get("year") or ""), max_chars=4,
                             placeholder="例如：2023")
        saved = st.form_submit_button("保存并更新索引", type="primary")
    if saved:
        if year.strip() and not (year.strip().isdigit() and len(year.strip()) == 4):
            st.error("年份请填四位数字，例如 2023。")
        elif not title.strip():
            st.error("标题不能为空。")
        else:
            try:
                update_catalog(K.corpus, target, {"title": title, "body": body, "date": date, "kind": kind,
                                                       "place": place, "year": year.strip()})
            except Exception as exc:  # noqa: BLE001
                common.show_error(exc, "保存失败")
            else:
                common.audit("edit", f"{K.name}/{target}", title.strip())
                if update_index():
                    st.session_state["flash"] = f"已保存《{title.strip()}》的文档信息。"
                    st.rerun()

# --- upload ------------------------------------------------------------------
st.subheader("上传报告")
st.caption(f"支持 .txt、.md、.docx、.doc、.wps、.pdf（含扫描件）、.ofd、.html、.htm、.mhtml、.png、.jpg、.tif，"
           f"以及装有这些文件的 .zip 压缩包（解压到同名文件夹），单个文件不超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB。"
           "把文件拖到下面的框里，或点“选择文件”。")
nonce = st.session_state.setdefault("upload-nonce", 0)
up = st.file_uploader("选择要上传的报告", key=f"upload-{nonce}", label_visibility="collapsed")
c1, c2 = st.columns(2)
up_body = c1.text_input("发文单位（可选）", key="upload-body", max_chars=60, placeholder="例如：市科协党组")
up_date = c2.text_input("日期（可选）", key="upload-date", max_chars=20, placeholder="例如：2023年12月20日")
overwrite = st.checkbox("如有同名文件则替换", key="overwrite")
if st.button("保存并更新索引", key="save-upload", disabled=up is None):
    # A scan is read (OCR) while it is checked, page by page: show how far it got.
    reading = st.progress(0.0, text="正在读取文件……")
    token = ocr.progress.set(lambda done, total: reading.progress(
        done / max(total, 1), text=f"正在识别扫描页（OCR）：{done}/{total} 页"))
    try:
        try:
            path = save_upload(K.corpus, up.name, up.getvalue(), overwrite=overwrite,
                               settings=common.SETTINGS)
        finally:
            ocr.progress.reset(token)
            reading.empty()
        if up_body.strip() or up_date.strip():
            # An archive becomes a folder: each report in it gets the same details.
            root = Path(K.corpus).resolve()
            for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
                if f.is_file() and not f.name.startswith("."):
                    update_catalog(K.corpus, f.relative_to(root).as_posix(), {"body": up_body, "date": up_date})
    except UploadError as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc, "上传失败")
    else:
        common.audit("upload", f"{K.name}/{path.name}")
        if update_index():
            st.session_state["flash"] = f"已保存：{path.name}" + ("（压缩包已解压到同名文件夹）" if path.is_dir() else "")
            st.session_state["upload-nonce"] = nonce + 1  # empties the uploader
            for k in ("upload-body", "upload-date"):
                st.session_state.pop(k, None)
            st.rerun()

# --- delete, undo, recycle folder --------------------------------------------
st.subheader("删除文档")
st.caption("删除的文档移到回收站，可以撤销。")
target = st.selectbox("选择要删除的文档", picker("delete-target"), key="delete-target",
                      format_func=lambda d: doc_label(d, docs[d]) if d else "（请选择）", placeholder="请选择")
if target and st.button("删除并更新索引", key="delete"):
    try:
        gone = delete_document(K.corpus, target, K.recycle, title=docs[target].get("title", ""))
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc, "删除失败")
    else:
        common.audit("delete", f"{K.name}/{target}")
        if update_index():
            st.session_state["last-deleted"] = gone.id
            st.session_state["flash"] = f"已删除《{gone.title}》（{gone.path}），可撤销。"
            st.session_state.pop("delete-target", None)
            st.rerun()


def restore(item_id: str) -> None:
    try:
        path = restore_document(K.corpus, K.recycle, item_id)
    except UploadError as exc:
        st.session_state["flash_error"] = str(exc)
        return
    st.session_state["restored"] = path
    common.audit("restore", f"{K.name}/{path}")
    st.session_state.pop("last-deleted", None)


last = st.session_state.get("last-deleted")
if last:
    st.button("撤销删除", key="undo", on_click=restore, args=(last,), type="primary")

recycled = list_recycled(K.recycle)
with st.expander(f"回收站（{len(recycled)}）"):
    if not recycled:
        st.caption("回收站是空的。")
    for r in recycled:
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        t = dt.datetime.fromtimestamp(r.deleted)
        c1.markdown(literal(f"《{r.title}》 · {r.path} · 删除于 {t.month}月{t.day}日 {t:%H:%M}"), unsafe_allow_html=True)
        c2.button("恢复", key=f"restore-{r.id}", on_click=restore, args=(r.id,))

with st.expander("维护"):
    st.caption(f"索引位置：{e.store.label}")
    st.caption("索引出错或更换模型后，可以从头重建（文档多时需要几分钟）。")
    if st.button("重建整个索引", key="rebuild"):
        common.audit("rebuild", K.name)
        if update_index(rebuild=True):
            st.session_state["flash"] = "索引已重建。"
            st.rerun()
