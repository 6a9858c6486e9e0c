"""党建文档问答 — Streamlit front end (entry point and navigation). It only
renders what the ``indexer`` library returns; searching, answering, corpus
handling and the quote basket live there. The pages are ``views/*.py``.

Run: ``streamlit run app.py``. Folders come from the environment:
PARTYQA_CORPUS (default ``corpus``); the index from PARTYQA_STORE (a folder
or an ``oceanbase://`` URL), else PARTYQA_INDEX, else ``index``; the quote
baskets, settings and recycle folder from PARTYQA_DATA (default ``data``).
A folder index is kept in step with the corpus folder; a shared OceanBase
index only when PARTYQA_AUTO_BUILD=1.
"""

from __future__ import annotations

import streamlit as st

from views import common

st.set_page_config(page_title="党建文档问答", page_icon="📑", layout="wide")
common.setup()

pages = [
    st.Page("views/ask.py", title="问答", icon=":material/forum:", url_path="ask", default=True),
    st.Page("views/basket.py", title=f"摘录篮（{common.basket_count()}）", icon=":material/bookmarks:", url_path="basket"),
]
# Pages by role (issue 19): each page checks again, in the library, before it acts.
if common.can_edit(common.kb()):
    pages.append(st.Page("views/corpus.py", title="语料管理", icon=":material/folder_open:", url_path="corpus"))
if common.current_user().is_admin and not common.single_user():
    pages.append(st.Page("views/admin.py", title="系统管理", icon=":material/admin_panel_settings:", url_path="admin"))
st.navigation(pages).run()
