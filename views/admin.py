"""系统管理 (admins only): users and their roles and grants, knowledge
bases, the audit log (chain check, recent entries, CSV export) and the
feedback question set. Every change goes through the library and the audit log."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from indexer.accounts import ROLE_NAMES, ROLES, OfficeError
from indexer.knowledge import LEVEL_NAMES
from views import common

user = common.current_user()
if user is None or not user.is_admin:
    st.error("只有管理员可以打开系统管理。")
    st.stop()
o = common.office()
st.title("系统管理")
for kind in ("flash", "flash_error"):
    msg = st.session_state.pop(kind, "")
    if msg:
        (st.success if kind == "flash" else st.error)(msg)


def act(what, action: str, target: str, detail: str = "", done: str = "") -> None:
    """Run a change; audit it when it worked, say why when it did not."""
    try:
        what()
    except OfficeError as exc:
        st.session_state["flash_error"] = str(exc)
        return
    common.audit(action, target, detail)
    st.session_state["flash"] = done


# --- users --------------------------------------------------------------------
st.subheader("用户")
kbs = [k.name for k in o.kbs.all()]
rows = []
for u in o.accounts.users():
    grants = o.kbs.grants(u.name)
    rows.append({"用户名": u.name, "角色": ROLE_NAMES[u.role], "状态": "已停用" if u.disabled else "正常",
                 "知识库": "全部" if u.is_admin else "，".join(f"{k}（{LEVEL_NAMES[v]}）" for k, v in grants.items())})
st.dataframe(rows, hide_index=True, width="stretch")

with st.expander("新增用户"):
    with st.form("add-user", clear_on_submit=True):
        c1, c2 = st.columns(2)
        name = c1.text_input("用户名", max_chars=32)
        role = c2.selectbox("角色", ROLES, format_func=ROLE_NAMES.get)
        pw = st.text_input("初始密码（至少 8 个字符）", type="password", max_chars=256)
        if st.form_submit_button("新增", type="primary"):
            act(lambda: o.accounts.add(name.strip(), role, pw), "user.add", name.strip(), role, f"已新增用户“{name.strip()}”。")
            st.rerun()

names = [u.name for u in o.accounts.users()]
with st.expander("授权、停用"):
    c1, c2, c3 = st.columns(3)
    who = c1.selectbox("用户", [""] + names, key="admin-who", format_func=lambda n: n or "（请选择）")
    where = c2.selectbox("知识库", kbs, key="admin-kb")
    level = c3.selectbox("权限", ["read", "edit", "none"], key="admin-level",
                         format_func=lambda v: {"none": "无"}.get(v) or LEVEL_NAMES[v])
    if who:
        b1, b2, b3 = st.columns(3)
        if b1.button("保存授权", key="admin-grant"):
            if level == "none":
                act(lambda: o.kbs.revoke(who, where), "kb.revoke", f"{who}@{where}", done=f"已收回“{who}”的授权。")
            else:
                act(lambda: o.kbs.grant(who, where, level), "kb.grant", f"{who}@{where}", level, f"已授权“{who}”。")
            st.rerun()
        target = o.accounts.get(who)
        if target and target.name != user.name:
            label = "启用" if target.disabled else "停用"
            if b2.button(f"{label}用户", key="admin-disable"):
                act(lambda: o.accounts.set_disabled(who, not target.disabled),
                    "user.enable" if target.disabled else "user.disable", who, done=f"已{label}“{who}”。")
                st.rerun()

with st.expander("新增知识库"):
    with st.form("add-kb", clear_on_submit=True):
        kb_name = st.text_input("名称，如 机关党委", max_chars=32)
        if st.form_submit_button("新增", type="primary"):
            act(lambda: o.kbs.add(kb_name.strip()), "kb.add", kb_name.strip(),
                done=f"已新增知识库“{kb_name.strip()}”：在其语料管理页上传报告。")
            st.rerun()

# --- audit log ------------------------------------------------------------------
st.subheader("审计日志")
check = o.audit.verify()
(st.success if check.ok else st.error)(check.message())
entries = o.audit.entries(limit=200)
st.dataframe([{"编号": e.id, "时间": dt.datetime.fromisoformat(e.at).astimezone().strftime("%Y-%m-%d %H:%M:%S"),
               "用户": e.user, "操作": e.action_name, "对象": e.target, "详情": e.detail[:80], "来源": e.source}
              for e in entries], hide_index=True, width="stretch")
c1, c2, _ = st.columns([1, 1, 2])
c1.download_button("导出审计日志（CSV）", o.audit.export_csv(), file_name="审计日志.csv", mime="text/csv",
                   key="audit-export", on_click=common.audit, args=("audit.export", "审计日志.csv"))
c2.download_button("导出反馈问题集（JSONL）", o.history.export_jsonl(), file_name="反馈问题集.jsonl",
                   mime="application/jsonl", key="feedback-export",
                   on_click=common.audit, args=("feedback.export", "反馈问题集.jsonl"))
st.caption("问题集与基准的 tests/data/*.jsonl 格式相同；标为“不对”的问题带 review 标记，补上正确答案后才可用于评测。")
