"""Helpers of the ask page (issue 19): each new question goes to the user's
history and the audit log once (not on every rerun), answers get 有用/不对
with a comment, and the user's recent questions are listed."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from indexer.feedback import VERDICTS
from views import common


def record(result, kb: str, settings: tuple) -> int:
    """The history id of this question, recording it on its first run only."""
    key = (kb, result.query, settings)
    last = st.session_state.get("asked")
    if last and last[0] == key:
        return last[1]
    user = common.current_user()
    qid = common.office().history.record(user.name, kb, result)
    common.audit("ask", kb, result.query)
    st.session_state["asked"] = (key, qid)
    return qid


def send(qid: int, verdict: str) -> None:
    user = common.current_user()
    comment = st.session_state.get(f"comment-{qid}", "")
    common.office().history.feedback(qid, user.name, verdict, comment)
    common.audit("feedback", str(qid), verdict)
    st.session_state["flash"] = "谢谢反馈！"


def feedback_box(qid: int) -> None:
    given = {a.id: a.verdict for a in common.office().history.recent(common.current_user().name, 50)}.get(qid)
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([2, 1, 1, 4], vertical_alignment="center")
        c1.caption("这个回答" + (f"：已反馈“{VERDICTS[given]}”" if given else "有帮助吗？"))
        c2.button("👍 有用", key=f"useful-{qid}", on_click=send, args=(qid, "useful"))
        c3.button("👎 不对", key=f"wrong-{qid}", on_click=send, args=(qid, "wrong"))
        c4.text_input("意见（可选）", key=f"comment-{qid}", max_chars=500, label_visibility="collapsed",
                      placeholder="意见（可选），如：正确答案应是……")


def recent_box() -> None:
    user = common.current_user()
    recent = common.office().history.recent(user.name, 20)
    if not recent:
        return
    with st.expander(f"最近的提问（{len(recent)}）"):
        for a in recent:
            t = dt.datetime.fromtimestamp(a.asked)
            mark = f" · {VERDICTS[a.verdict]}" if a.verdict else ""
            st.caption(f"{t.month}月{t.day}日 {t:%H:%M} · {a.kb}{mark}")
            st.text(f"{a.q}\n→ {a.answer[:80] if a.found and a.answer else '没有找到'}")
