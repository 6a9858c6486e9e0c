"""What every page shares: folders from the environment, the background
engine, the user's identity and quote basket, the Chinese-only chrome."""

from __future__ import annotations

import logging
import re
import secrets
import time
from pathlib import Path

import streamlit as st

from indexer.accounts import ROLE_NAMES, OfficeError, User
from indexer.basket import Basket
from indexer.config import Settings
from indexer.errors import SettingsError
from indexer.knowledge import KnowledgeBase
from indexer.office import Office, is_loopback
from indexer.service import Engine, user_message
from indexer.webui import CSS

SETTINGS = CORPUS = INDEX = DATA = MODEL = DB = RECYCLE = None  # set by configure()
SETTINGS_ERROR = ""  # a bad PARTYQA_* value, shown instead of the pages


def configure() -> None:
    """Settings from the environment, read once per run (not once at import:
    this module stays imported while tests start apps on other folders)."""
    global SETTINGS, SETTINGS_ERROR, CORPUS, INDEX, DATA, MODEL, DB, RECYCLE
    try:
        SETTINGS, SETTINGS_ERROR = Settings.from_env(), ""
    except SettingsError as exc:
        SETTINGS, SETTINGS_ERROR = Settings(), str(exc)
    CORPUS, INDEX, DATA = SETTINGS.corpus, SETTINGS.app_store, SETTINGS.data
    MODEL = SETTINGS.model
    DB = DATA / "partyqa.sqlite"
    RECYCLE = DATA / "recycle"


configure()
COOKIE = "partyqa_user"
USER_ID = re.compile(r"u-[A-Za-z0-9_-]{16,64}")
log = logging.getLogger("partyqa.app")


@st.cache_resource(show_spinner=False)
def get_office(settings: Settings) -> Office:
    # Accounts, knowledge bases, audit log and one engine per knowledge base,
    # shared by every browser session of this process (one per settings).
    return Office.from_settings(settings)


def office() -> Office:
    return get_office(SETTINGS)


# --- accounts (issue 19): who is asking, in which knowledge base ------------

def single_user() -> bool:
    return office().accounts.single_user()


def current_user() -> User | None:
    """The logged-in user (None: must log in); the local admin in single-user mode.
    The session token's idle timeout is enforced by the library on every run."""
    o = office()
    if o.accounts.single_user():
        return o.local_user()
    user = o.accounts.session_user(st.session_state.get("token", ""))
    if user is None and st.session_state.pop("token", None):
        st.session_state["expired"] = True
    return user


def source() -> str:
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no browser (AppTest)
        return ""
    return ip if isinstance(ip, str) else ""


def audit(action: str, target: str = "", detail: str = "") -> None:
    user = current_user()
    office().audit.append(user.name if user else "", action, target=target, detail=detail, source=source())


def kb() -> KnowledgeBase:
    """The knowledge base this session asks in, checked against the user's
    grants by the library on every run (a revoked grant takes effect at once)."""
    o, user = office(), current_user()
    readable = o.kbs.readable(user) if user else []
    if not readable:
        st.error("您还没有可以查看的知识库，请联系管理员授权。")
        st.stop()
    name = st.session_state.get("kb")
    if name not in [k.name for k in readable]:
        name = st.session_state["kb"] = readable[0].name
    return o.kbs.require(user, name)


def can_edit(k: KnowledgeBase) -> bool:
    user = current_user()
    return bool(user) and office().kbs.level(user, k.name) == "edit"


def engine(need_documents: bool = True) -> Engine:
    o, k = office(), kb()
    if need_documents and o.empty(k):
        st.info(f"知识库“{k.name}”还没有文档：请编辑或管理员先在“语料管理”页上传报告。")
        st.stop()
    return o.engine(k)


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
    user = current_user()
    # With accounts, the basket follows the account (any browser); without, the cookie.
    return Basket(DB, "acct:" + user.name if user and not single_user() else user_id())


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
    guard_address()
    login()
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


def guard_address() -> None:
    """No accounts means no protection: refuse to serve beyond this machine."""
    from unittest.mock import Mock

    from streamlit.runtime import Runtime

    if not Runtime.exists() or isinstance(Runtime.instance(), Mock):
        return  # a bare script run or AppTest (whose runtime is a mock): no server listens anywhere
    address = st.get_option("server.address") or ""
    if not is_loopback(address) and not office().accounts.has_admin():
        st.error(f"本程序正在 {address or '所有网卡'} 上监听，但还没有管理员账号：没有账号时只能在本机（127.0.0.1）使用。"
                 "请先运行 python -m indexer users add 名字 --role admin 创建管理员，再重新启动。")
        st.stop()


def do_login() -> None:
    name, password = st.session_state.get("login-name", "").strip(), st.session_state.get("login-password", "")
    st.session_state["login-password"] = ""  # the password does not stay in the session
    try:
        user, token = office().login(name, password, source=source())
    except Exception as exc:  # noqa: BLE001 - LoginError is for users; anything else is logged
        if not isinstance(exc, OfficeError):
            log.exception("login")
        st.session_state["login-error"] = user_message(exc) if not isinstance(exc, OfficeError) else str(exc)
        return
    st.session_state["token"] = token
    st.session_state.pop("expired", None)


def logout() -> None:
    user, token = current_user(), st.session_state.pop("token", "")
    if user and token:
        office().logout(user, token, source=source())
    if oidc_configured() and st.user.is_logged_in:
        st.logout()  # also end the identity provider's session in this app
    for key in list(st.session_state):
        if key.startswith(("keep-", "facet-")) or key in ("kb", "query", "docs", "settings_loaded"):
            del st.session_state[key]


def oidc_configured() -> bool:
    """An identity provider in .streamlit/secrets.toml ([auth], see README)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file
        return False


def oidc_session() -> None:
    """After st.login: the provider's user name (or e-mail) must be a local,
    enabled account, whose role and grants then apply."""
    if "token" in st.session_state or not oidc_configured() or not st.user.is_logged_in:
        return
    name = str(st.user.get("preferred_username") or st.user.get("email") or "")
    o = office()
    user = o.accounts.get(name)
    if user is None or user.disabled:
        o.audit.append(name, "login.failed", detail="OIDC：没有对应的本地账号", source=source())
        st.session_state["login-error"] = f"统一身份认证账号“{name}”没有对应的本地账号（或已停用），请联系管理员。"
        st.logout()
        return
    o.audit.append(user.name, "login", detail="OIDC", source=source())
    st.session_state["token"] = o.accounts.open_session(user)


def login() -> None:
    """The login form until a user is logged in (nothing of the app renders before)."""
    oidc_session()
    user = current_user()
    if user is not None:
        with st.sidebar:
            if not single_user():
                st.caption(f"当前用户：{user.name}（{ROLE_NAMES[user.role]}）")
                st.button("退出登录", key="logout", on_click=logout)
            readable = office().kbs.readable(user)
            if len(readable) > 1:
                st.selectbox("知识库", [k.name for k in readable], key="kb")
        return
    st.title("党建文档问答 · 登录")
    if st.session_state.pop("expired", False):
        st.info("登录已超时，请重新登录。")
    err = st.session_state.pop("login-error", "")
    if err:
        st.error(err)
    with st.form("login"):
        st.text_input("用户名", key="login-name", max_chars=32)
        st.text_input("密码", key="login-password", type="password", max_chars=256)
        st.form_submit_button("登录", type="primary", on_click=do_login)
    if oidc_configured():
        st.button("使用单位统一身份认证登录", key="oidc", on_click=st.login)
    st.caption("账号由管理员用 python -m indexer users add 创建。连续输错 5 次后需等待 15 分钟。")
    st.stop()
