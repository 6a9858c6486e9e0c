"""The HTTP API for an office's portal or OA system (FastAPI), served by
``python -m indexer serve --host H --port P`` (uvicorn).

Every endpoint except ``/api/health`` and ``/api/login`` needs
``Authorization: Bearer <token>``; a token comes from ``POST /api/login``
and expires after ``PARTYQA_SESSION_MINUTES`` idle (tokens in a header, not
cookies, so a page on another site cannot make a user's browser call the
API: no CSRF). Roles and knowledge-base grants are those of the app,
checked in :class:`~indexer.office.Office`. OpenAPI at ``/openapi.json``,
interactive docs at ``/docs``.

    POST /api/login                {"name", "password"} -> {"token", "name", "role", "idle_minutes"}
    POST /api/logout
    GET  /api/health               {"status": "ok"} (no authentication, no data)
    GET  /api/kbs                  the knowledge bases the user may read
    GET  /api/kbs/{kb}/documents   indexed documents and their metadata
    POST /api/kbs/{kb}/search      {"q", "k"} -> {"hits": [...]}
    POST /api/kbs/{kb}/ask         {"q", "k"} -> {"id", "found", "answers", "hits", ...} (citations included)
    GET  /api/history              the user's recent questions
    POST /api/feedback             {"id", "verdict": "useful"|"wrong", "comment"}

Usage::

    app = create_app(Office.from_settings(Settings.from_env()))
    uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from .accounts import LoginError, OfficeError, User
from .feedback import FeedbackError
from .knowledge import Forbidden
from .office import NotReady, Office
from .textnorm import normalize_query

MAX_K = 50


class Login(BaseModel):
    name: str = Field(max_length=64)
    password: str = Field(max_length=256)


class Question(BaseModel):
    q: str = Field(max_length=2000, description="问题或关键词")
    k: int = Field(5, ge=1, le=MAX_K, description="返回段落数")


class Feedback(BaseModel):
    id: int = Field(description="提问时返回的编号")
    verdict: str = Field(pattern="^(useful|wrong)$", description="useful（有用）或 wrong（不对）")
    comment: str = Field("", max_length=500)


def create_app(office: Office) -> FastAPI:
    app = FastAPI(title="党建文档问答 HTTP 接口", version="1.0",
                  description="检索、带出处的问答、文档列表。除 /api/health 和 /api/login 外都需要 Bearer 令牌。")
    bearer = HTTPBearer(auto_error=False)

    def source(request: Request) -> str:
        return request.client.host if request.client else ""

    def current(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> User:
        user = office.accounts.session_user(creds.credentials) if creds else None
        if user is None:
            raise HTTPException(401, "需要登录：请在 Authorization 头中提供有效的 Bearer 令牌（令牌闲置超时后失效）。",
                                headers={"WWW-Authenticate": "Bearer"})
        return user

    @app.exception_handler(OfficeError)
    def office_error(request: Request, exc: OfficeError):
        status = {Forbidden: 403, LoginError: 401, NotReady: 503, FeedbackError: 400}.get(type(exc), 400)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, exc: RequestValidationError):
        fields = "、".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "请求体" for e in exc.errors())
        return JSONResponse({"detail": f"请求参数不正确：{fields}"}, status_code=422)

    def query(q: str) -> str:
        text = normalize_query(q)
        if not text:
            raise HTTPException(400, "问题为空（去掉控制字符后没有剩下文字）。")
        return text

    @app.get("/api/health", summary="健康检查（无需登录）")
    def health():
        return {"status": "ok"}

    @app.post("/api/login", summary="登录，取得令牌")
    def login(body: Login, request: Request):
        user, token = office.login(body.name, body.password, source(request))
        return {"token": token, "name": user.name, "role": user.role, "idle_minutes": office.accounts.session_minutes}

    @app.post("/api/logout", summary="退出，令牌作废")
    def logout(request: Request, user: User = Depends(current),
               creds: HTTPAuthorizationCredentials | None = Depends(bearer)):
        office.logout(user, creds.credentials, source(request))
        return {"ok": True}

    @app.get("/api/kbs", summary="可以查看的知识库")
    def kbs(user: User = Depends(current)):
        return {"kbs": [{"name": kb.name, "level": office.kbs.level(user, kb.name)} for kb in office.kbs.readable(user)]}

    @app.get("/api/kbs/{kb}/documents", summary="知识库中的文档")
    def documents(kb: str, request: Request, user: User = Depends(current)):
        docs = office.documents(user, kb, source(request))
        return {"documents": [{"doc": d, **{k: m.get(k) for k in ("title", "body", "date", "year", "place", "kind")}}
                              for d, m in docs.items()]}

    @app.post("/api/kbs/{kb}/search", summary="检索段落")
    def search(kb: str, body: Question, request: Request, user: User = Depends(current)):
        q = query(body.q)
        return {"query": q, "hits": [h.to_dict() for h in office.search(user, kb, q, body.k, source(request))]}

    @app.post("/api/kbs/{kb}/ask", summary="提问：带出处的答案和引文")
    def ask(kb: str, body: Question, request: Request, user: User = Depends(current)):
        qid, result = office.ask(user, kb, query(body.q), body.k, source(request))
        return {"id": qid, "kb": kb, **result.to_dict()}

    @app.get("/api/history", summary="最近的提问")
    def history(user: User = Depends(current)):
        return {"history": [asdict(a) for a in office.history.recent(user.name)]}

    @app.post("/api/feedback", summary="对答案反馈：有用或不对")
    def feedback(body: Feedback, request: Request, user: User = Depends(current)):
        office.history.feedback(body.id, user.name, body.verdict, body.comment)
        office.audit.append(user.name, "feedback", target=str(body.id), detail=body.verdict, source=source(request))
        return {"ok": True}

    return app
