"""What every page shares: folders from the environment, the background
engine, the user's identity and quote basket, the Chinese-only chrome."""

from __future__ import annotations

import logging
import re
import secrets
import time
from pathlib import Path

import streamlit as st

from indexer.basket import Basket
from indexer.config import Settings
from indexer.errors import SettingsError
from indexer.service import Engine, user_message
from indexer.webui import CSS

SETTINGS = CORPUS = INDEX = DATA = MODEL = AUTO_BUILD = DB = RECYCLE = None  # set by configure()
SETTINGS_ERROR = ""  # a bad PARTYQA_* value, shown instead of the pages


def configure() -> None:
    """Settings from the environment, read once per run (not once at import:
    this module stays imported while tests start apps on other folders)."""
    global SETTINGS, SETTINGS_ERROR, CORPUS, INDEX, DATA, MODEL, AUTO_BUILD, DB, RECYCLE
    try:
        SETTINGS, SETTINGS_ERROR = Settings.from_env(), ""
    except SettingsError as exc:
        SETTINGS, SETTINGS_ERROR = Settings(), str(exc)
    CORPUS, INDEX, DATA = SETTINGS.corpus, SETTINGS.app_store, SETTINGS.data
    MODEL, AUTO_BUILD = SETTINGS.model, SETTINGS.auto_build
    DB = DATA / "partyqa.sqlite"
    RECYCLE = DATA / "recycle"


configure()
COOKIE = "partyqa_user"
USER_ID = re.compile(r"u-[A-Za-z0-9_-]{16,64}")
log = logging.getLogger("partyqa.app")


@st.cache_resource(show_spinner=False)
def get_engine(corpus: str, spec: str, model: str | None, auto_build: bool, query_threads: int) -> Engine:
    # Starts loading the model and index in a thread and returns at once.
    return Engine(corpus, spec, model=model, auto_build=auto_build, query_threads=query_threads)


def engine() -> Engine:
    e = get_engine(str(CORPUS), INDEX, MODEL, AUTO_BUILD, SETTINGS.query_threads)
    e.refresh()
    return e


def user_id() -> str:
    """Who owns the quote basket. Without accounts, a random id kept in a
    cookie: a reload or a restart finds the same basket, while a link copied
    from the address bar does not hand the basket to a colleague (as an id
    in the URL would). Streamlit can read cookies (``st.context.cookies``)
    but not set them, so a one-line script sets it on the first visit."""
    if "user" not in st.session_state:
        try:
            uid = st.context.cookies.get(COOKIE, "")
        except Exception:  # noqa: BLE001 - no browser (AppTest): a fresh id
            uid = ""
        if not isinstance(uid, str) or not USER_ID.fullmatch(uid):
            uid = "u-" + secrets.token_urlsafe(18)
            st.session_state["set_cookie"] = True
        st.session_state["user"] = uid
    return st.session_state["user"]


def basket() -> Basket:
    return Basket(DB, user_id())


def basket_count() -> int:
    if not DB.exists():
        return 0  # counting must not create the data folder
    try:
        return len(basket())
    except Exception:  # noqa: BLE001 - the count is decoration; the basket page reports the error
        log.exception("basket count")
        return 0


def setup() -> None:
    configure()
    st.html(CSS)
    if SETTINGS_ERROR:
        st.error(f"设置有误：{SETTINGS_ERROR}")
        st.stop()
    uid = user_id()
    if st.session_state.pop("set_cookie", False):
        with st.sidebar:
            st.html(f"<script>document.cookie = '{COOKIE}={uid}; max-age=31536000; path=/; SameSite=Strict';</script>",
                    unsafe_allow_javascript=True)


def show_error(exc: BaseException, what: str) -> None:
    log.exception(what)
    st.error(f"{what}：{user_message(exc)}")


def wait_until_ready(e: Engine, placeholder, need: bool) -> bool:
    """Show what the engine is doing until it is ready. Each pass writes to
    the page, so a question submitted meanwhile interrupts the wait."""
    while e.busy or (need and e.answerer is None and not e.error):
        placeholder.info(f"⏳ {e.stage or '正在准备……'}（首次启动需要加载语言模型，约半分钟；可以先输入问题）")
        time.sleep(0.25)
        e.refresh()
    placeholder.empty()
    if e.error:
        placeholder.error(e.error)
    return e.answerer is not None
