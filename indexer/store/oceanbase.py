"""The OceanBase store: the same index in an OceanBase or seekdb database,
shared by every app process and machine that connects to it.

One table per vector dimension holds the passages of every live version::

    partyqa_chunks_<dim>   id, added_in, removed_in, doc, key_hash,
                           chunk (JSON), body (title + section + text),
                           grams (character uni+bigrams), embedding VECTOR(dim)
                           FULLTEXT(body) WITH PARSER ik
                           FULLTEXT(grams) WITH PARSER space
                           VECTOR INDEX(embedding) HNSW, cosine
    partyqa_versions       version, name, chunk_table, manifest, terms

A row belongs to version ``v`` when ``added_in <= v`` and it was not
``removed_in`` at or before ``v``. A build writes rows for version ``v+1``
(new and changed documents) and marks retired rows ``removed_in = v+1``;
none of that is visible to readers of ``v``. Inserting the
``partyqa_versions`` row is the single commit point, so a build killed at
any moment leaves readers on a complete version, and the next build (or
``build --clean``) clears its leftovers. Because a write starts by clearing
such leftovers, a write whose connection drops is simply run again once on a
new connection; a second loss is reported, with the old version still live.
Unchanged documents keep their rows: a build touches only what changed.

Retrieval mirrors the embedded store: the HNSW index gives the dense
ranking, the IK full-text index the word ranking (BM25 in SQL), and the
character-gram index the character ranking; :mod:`indexer.retrieval` fuses
them exactly as it fuses FAISS and bm25s.

Usage::

    from indexer.store import open_store
    store = open_store("oceanbase://root:secret@127.0.0.1:2881/partyqa")
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

import numpy as np

from ..chunking import Chunk
from ..config import KEEP_VERSIONS
from ..errors import BuildLocked, IndexMissing, SettingsError, StoreError, StoreUnavailable
from ..keywords import char_tokens, word_tokens
from .base import AtOnce, Manifest, Ranking, group_by_doc, idf_from_df

log = logging.getLogger(__name__)

SCHEMES = ("oceanbase", "seekdb")
DEFAULT_PORT = 2881
INSERT_BATCH = 200
LOCK_TIMEOUT_US = 7 * 24 * 3600 * 10**6
HNSW_EF_SEARCH = 200  # above the fusion depth (100), so every requested candidate is searched for


@dataclass(frozen=True)
class Location:
    user: str
    password: str
    host: str
    port: int
    database: str

    @classmethod
    def parse(cls, url: str) -> "Location":
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise SettingsError(f"不支持的存储地址：{parts.scheme}://…（可用 oceanbase://用户:密码@主机:端口/库名）")
        database = parts.path.strip("/") or "partyqa"
        if not database.replace("_", "").isalnum():
            raise SettingsError(f"数据库名只能包含字母、数字和下划线：{database}")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError as exc:
            raise SettingsError("存储地址中的端口无效") from exc
        return cls(unquote(parts.username or "root"), unquote(parts.password or ""),
                   parts.hostname or "127.0.0.1", port, database)

    @property
    def label(self) -> str:
        """The address without the password, for users and logs."""
        return f"oceanbase://{self.user}@{self.host}:{self.port}/{self.database}"


def _vector_literal(v: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(v, dtype=np.float32)) + "]"


def _in_list(n: int) -> str:
    return ",".join(["%s"] * n)


class OceanBaseStore:
    """A :class:`indexer.store.base.Store` in an OceanBase/seekdb database."""

    def __init__(self, url: str, keep_versions: int = KEEP_VERSIONS):
        self.loc = Location.parse(url)
        self.keep_versions = keep_versions  # the live version and its predecessors
        self.label = self.loc.label
        self._local = threading.local()
        # Queries sent at once, each worker thread on its own connection (see _conn).
        self.concurrently = AtOnce("partyqa-oceanbase")

    # -- connections -------------------------------------------------------

    def _connect(self, database: str | None):
        import pymysql

        try:
            return pymysql.connect(host=self.loc.host, port=self.loc.port, user=self.loc.user,
                                   password=self.loc.password, database=database, charset="utf8mb4",
                                   autocommit=True, connect_timeout=10)
        except pymysql.err.OperationalError as exc:
            code = exc.args[0] if exc.args else None
            if code == 1049:  # unknown database: nothing was ever built there
                raise IndexMissing(f"索引库 {self.label} 还不存在。请先运行 python -m indexer build --store … 构建索引。") from exc
            reason = "用户名或密码错误" if code == 1045 else "无法连接（服务未启动或地址有误）"
            raise StoreUnavailable(f"无法连接 OceanBase 索引库 {self.label}：{reason}。") from None

    def _conn(self):
        """This thread's connection to the database (pymysql connections are not thread-safe)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or not conn.open:
            conn = self._connect(self.loc.database)
            with conn.cursor() as cur:
                cur.execute(f"SET ob_hnsw_ef_search = {HNSW_EF_SEARCH}")
            self._local.conn = conn
        return conn

    def query(self, sql: str, args=None, *, retry: bool = True) -> list[tuple]:
        """Rows of ``sql``. A dropped connection is retried once on a new one
        unless ``retry`` is false (statements that must not run twice)."""
        import pymysql

        for attempt in (0, 1):
            try:
                with self._conn().cursor() as cur:
                    cur.execute(sql, args)
                    return list(cur.fetchall())
            except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
                # A dropped connection (server restart, idle timeout) is retried once on a new one.
                self._local.conn = None
                if not retry:
                    raise
                if attempt:
                    log.warning("query failed twice: %r", exc)
                    raise StoreUnavailable(f"OceanBase 索引库 {self.label} 查询失败：连接中断，重试一次仍未成功。"
                                           "请检查数据库服务后重试。") from None
            except pymysql.err.ProgrammingError as exc:
                if exc.args and exc.args[0] == 1146:  # table missing
                    raise IndexMissing(f"索引库 {self.label} 中还没有索引。请先运行 python -m indexer build --store … 构建索引。") from None
                raise
        return []

    # -- versions ----------------------------------------------------------

    def _current_row(self) -> tuple | None:
        rows = self.query("SELECT version, name, chunk_table, manifest FROM partyqa_versions "
                          "ORDER BY version DESC LIMIT 1")
        return rows[0] if rows else None

    def current(self, verify: bool = True) -> "OceanBaseSnapshot":
        row = self._current_row()
        if row is None:
            raise IndexMissing(f"索引库 {self.label} 中还没有索引。请先运行 python -m indexer build --store … 构建索引。")
        version, name, table, manifest = row
        return OceanBaseSnapshot(self, int(version), name, table, Manifest.from_json(manifest))

    def _current_row_or_none(self) -> tuple | None:
        try:
            return self._current_row()
        except IndexMissing:
            return None

    def current_name(self) -> str | None:
        row = self._current_row_or_none()
        return row[1] if row else None

    def current_manifest(self) -> Manifest | None:
        row = self._current_row_or_none()
        return Manifest.from_json(row[3]) if row else None

    def create_database(self) -> None:
        """The database itself, for whichever writer comes first (a build, the audit log)."""
        conn = self._connect(None)
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE IF NOT EXISTS `{self.loc.database}`")
        finally:
            conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Callable[..., list[tuple]]]:
        """One transaction on this thread's connection, committed when the
        block ends and rolled back if it raises; yields ``run(sql, args) -> rows``.
        Unlike :meth:`query` nothing is retried: a dropped connection has
        rolled the transaction back, and only the caller can redo it."""
        import pymysql

        conn = self._conn()
        try:
            conn.ping(reconnect=False)  # an idle connection the server closed fails here, not halfway
        except pymysql.err.Error:
            self._local.conn = None
            conn = self._conn()

        def run(sql: str, args=None) -> list[tuple]:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return list(cur.fetchall())

        try:
            conn.begin()
            yield run
            conn.commit()
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
            self._local.conn = None
            with contextlib.suppress(Exception):
                conn.close()
            log.warning("transaction failed: %r", exc)
            raise StoreUnavailable(f"OceanBase 数据库 {self.label} 上的操作未能完成（连接中断或等待锁超时）。"
                                   "请检查数据库服务后重试。") from None
        except BaseException:
            with contextlib.suppress(Exception):
                conn.rollback()
            raise

    @contextlib.contextmanager
    def build_lock(self) -> Iterator[None]:
        """A row lock held by the build's own open transaction: a second build
        anywhere is refused, and a killed build's lock dies with its session.
        (OceanBase keeps GET_LOCK locks after their session closes, so those
        would outlive a killed build.)"""
        import pymysql

        self.create_database()
        admin = self._connect(self.loc.database)
        try:
            with admin.cursor() as cur:
                cur.execute("CREATE TABLE IF NOT EXISTS partyqa_lock (id INT PRIMARY KEY)")
                cur.execute("SELECT COUNT(*) FROM partyqa_lock")
                if cur.fetchone()[0] == 0:  # a plain read: it does not wait on a held lock
                    cur.execute("INSERT IGNORE INTO partyqa_lock VALUES (1)")
                # A build may sit idle in this transaction for as long as embedding takes.
                cur.execute(f"SET ob_trx_timeout = {LOCK_TIMEOUT_US}, ob_trx_idle_timeout = {LOCK_TIMEOUT_US}")
                admin.begin()
                try:
                    cur.execute("SELECT id FROM partyqa_lock WHERE id = 1 FOR UPDATE NOWAIT")
                except pymysql.err.OperationalError as exc:
                    raise BuildLocked("另一个构建正在写入这个 OceanBase 索引库，请等它完成后再试。") from exc
            yield
        finally:
            with contextlib.suppress(Exception):
                admin.rollback()
            admin.close()

    def _create_tables(self, dim: int) -> str:
        table = f"partyqa_chunks_{int(dim)}"
        self.query("""CREATE TABLE IF NOT EXISTS partyqa_versions (
            version INT PRIMARY KEY, name VARCHAR(64) NOT NULL, chunk_table VARCHAR(64) NOT NULL,
            manifest LONGTEXT NOT NULL, terms LONGTEXT NOT NULL,
            created TIMESTAMP DEFAULT CURRENT_TIMESTAMP)""")
        self.query(f"""CREATE TABLE IF NOT EXISTS {table} (
            id BIGINT AUTO_INCREMENT PRIMARY KEY,
            added_in INT NOT NULL, removed_in INT NULL,
            doc VARCHAR(1024) NOT NULL, key_hash CHAR(32) NOT NULL,
            chunk LONGTEXT NOT NULL, body LONGTEXT NOT NULL, grams LONGTEXT NOT NULL,
            embedding VECTOR({int(dim)}) NOT NULL,
            KEY idx_doc (doc),
            FULLTEXT INDEX ft_words (body) WITH PARSER ik PARSER_PROPERTIES=(ik_mode='max_word'),
            FULLTEXT INDEX ft_chars (grams) WITH PARSER space PARSER_PROPERTIES=(min_token_size=1),
            VECTOR INDEX idx_vec (embedding) WITH (DISTANCE=cosine, TYPE=hnsw, LIB=vsag))""")
        return table

    def cached_vectors(self, keys: set[str], fingerprint: str) -> dict[str, np.ndarray]:
        row = self._current_row_or_none()
        if row is None or json.loads(row[3]).get("model", {}).get("fingerprint") != fingerprint:
            return {}
        version, table = int(row[0]), row[2]
        out: dict[str, np.ndarray] = {}
        wanted = sorted(keys)
        for at in range(0, len(wanted), 500):
            batch = wanted[at: at + 500]
            for key, emb in self.query(
                    f"SELECT key_hash, embedding FROM {table} WHERE {VISIBLE} AND key_hash IN ({_in_list(len(batch))})",
                    (version, version, *batch)):
                out[key] = np.asarray(json.loads(emb), dtype=np.float32)
        return out

    def previous_chunks(self, docs: set[str]) -> dict[str, list[Chunk]]:
        if not docs or self._current_row_or_none() is None:
            return group_by_doc([], docs)
        return group_by_doc(self.current(verify=False).all_chunks(), docs)

    @contextlib.contextmanager
    def stage(self, chunks: list[Chunk], keys: list[str], *, rebuild: bool) -> Iterator[_Staged]:
        """Nothing to do before the vectors: the database indexes the text as rows go in."""
        yield _Staged(self, chunks, keys)

    def write(self, chunks: list[Chunk], keys: list[str], vectors: np.ndarray, manifest: Manifest,
              *, rebuild: bool) -> str:
        """Publish ``chunks`` as the next version. Call under :meth:`build_lock`."""
        import pymysql

        for attempt in (0, 1):
            try:
                name, version, table = self._write_once(chunks, keys, vectors, manifest, rebuild=rebuild)
                break
            except (pymysql.err.OperationalError, pymysql.err.InterfaceError, StoreUnavailable) as exc:
                self._local.conn = None
                if attempt:
                    log.warning("connection lost again while writing a version: %r", exc)
                    raise StoreUnavailable(
                        f"写入 OceanBase 索引库 {self.label} 时连接中断，重试一次仍未成功。"
                        "旧版本仍在使用；请检查数据库服务后重新运行构建。") from None
                log.warning("connection lost while writing a version (%r); writing it again", exc)
        try:
            self._collect_garbage(version, table)
        except StoreUnavailable:  # the version is live; the next build collects instead
            log.warning("garbage collection after the commit failed", exc_info=True)
        return name

    def _write_once(self, chunks: list[Chunk], keys: list[str], vectors: np.ndarray, manifest: Manifest,
                    *, rebuild: bool) -> tuple[str, int, str]:
        dim = int(manifest.model.dim)
        table = self._create_tables(dim)
        row = self._current_row()
        cur_v = int(row[0]) if row else 0
        prev = Manifest.from_json(row[3]) if row else Manifest()
        same_table = row is not None and row[2] == table
        # Leftovers of a build killed before its commit point.
        self._clear_uncommitted(table, cur_v)
        new_v = cur_v + 1

        prev_docs = prev.documents if same_table and not rebuild else {}
        keep = {d for d, m in manifest.documents.items()
                if d in prev_docs and prev_docs[d]["sha256"] == m["sha256"]}
        if same_table:
            retire = sorted(set(prev.documents) - keep)
            for at in range(0, len(retire), 200):
                batch = retire[at: at + 200]
                self.query(f"UPDATE {table} SET removed_in = %s WHERE {VISIBLE} AND doc IN ({_in_list(len(batch))})",
                           (new_v, cur_v, cur_v, *batch), retry=False)
        rows = [(new_v, c.doc, k, json.dumps(c.to_dict(), ensure_ascii=False), c.embedding_text(),
                 " ".join(char_tokens(c.embedding_text())), _vector_literal(v))
                for c, k, v in zip(chunks, keys, vectors) if c.doc not in keep]
        conn = self._conn()
        with conn.cursor() as cur:
            for at in range(0, len(rows), INSERT_BATCH):
                cur.executemany(f"INSERT INTO {table} (added_in, doc, key_hash, chunk, body, grams, embedding) "
                                "VALUES (%s, %s, %s, %s, %s, %s, %s)", rows[at: at + INSERT_BATCH])

        df: Counter = Counter()
        for c in chunks:
            df.update(set(word_tokens(c.embedding_text())))
        name = f"ob-v{new_v}"
        manifest = replace(manifest, store=self.label,
                           vector_index={"type": "hnsw", "engine": "OceanBase vsag", "distance": "cosine",
                                         "ef_search": HNSW_EF_SEARCH, "n": len(chunks)})
        terms = json.dumps({"n": len(chunks), "df": dict(df)}, ensure_ascii=False)
        # The commit point: readers switch when this row exists, not before.
        self.query("INSERT INTO partyqa_versions (version, name, chunk_table, manifest, terms) "
                   "VALUES (%s, %s, %s, %s, %s)",
                   (new_v, name, table, manifest.to_json(), terms), retry=False)
        return name, new_v, table

    def _clear_uncommitted(self, table: str, cur_v: int) -> int:
        """Undo the rows of a build that stopped before its commit point."""
        (n,) = self.query(f"SELECT COUNT(*) FROM {table} WHERE added_in > %s OR removed_in > %s",
                          (cur_v, cur_v), retry=False)[0]
        self.query(f"DELETE FROM {table} WHERE added_in > %s", (cur_v,), retry=False)
        self.query(f"UPDATE {table} SET removed_in = NULL WHERE removed_in > %s", (cur_v,), retry=False)
        return int(n)

    def clean(self) -> list[str]:
        """Leftovers of killed builds and versions beyond the kept number.
        Call under :meth:`build_lock`."""
        row = self._current_row_or_none()
        if row is None:
            return []
        cur_v, table = int(row[0]), row[2]
        removed = []
        n = self._clear_uncommitted(table, cur_v)
        if n:
            removed.append(f"未提交的段落 {n} 行")
        return removed + self._collect_garbage(cur_v, table)

    def _collect_garbage(self, live: int, table: str) -> list[str]:
        oldest = live - (self.keep_versions - 1)
        gone = [name for (name,) in self.query("SELECT name FROM partyqa_versions WHERE version < %s", (oldest,))]
        self.query("DELETE FROM partyqa_versions WHERE version < %s", (oldest,))
        self.query(f"DELETE FROM {table} WHERE removed_in IS NOT NULL AND removed_in <= %s", (oldest,))
        kept = {t for (t,) in self.query("SELECT DISTINCT chunk_table FROM partyqa_versions")}
        for (t,) in self.query("SHOW TABLES LIKE 'partyqa\\_chunks\\_%%'"):
            if t not in kept:  # a model with another dimension, no longer used by any kept version
                self.query(f"DROP TABLE {t}")
                gone.append(t)
        return gone

    def size_bytes(self) -> int:
        row = self._current_row_or_none()
        if row is None:
            return 0
        v, table = int(row[0]), row[2]
        n, text = self.query(f"SELECT COUNT(*), COALESCE(SUM(LENGTH(chunk) + LENGTH(body) + LENGTH(grams)), 0) "
                             f"FROM {table} WHERE {VISIBLE}", (v, v))[0]
        dim = json.loads(row[3])["model"]["dim"]
        return int(text) + int(n) * int(dim) * 4


VISIBLE = "added_in <= %s AND (removed_in IS NULL OR removed_in > %s)"


class OceanBaseSnapshot:
    """One published version, read through SQL."""

    remote = True  # queries wait on a server: a searcher sends them at once

    def __init__(self, store: OceanBaseStore, version: int, name: str, table: str, manifest: Manifest):
        self.store = store
        self.version = version
        self.name = name
        self.table = table
        self.manifest = manifest
        self._terms: dict | None = None

    def _visible(self, docs: list[str] | None) -> tuple[str, tuple]:
        sql, args = VISIBLE, (self.version, self.version)
        if docs:
            sql += f" AND doc IN ({_in_list(len(docs))})"
            args += tuple(docs)
        return sql, args

    def count(self) -> int:
        return int(self.manifest.counts.get("chunks", 0))

    def dense(self, qvec: np.ndarray, depth: int, docs: list[str] | None = None) -> Ranking:
        q = _vector_literal(qvec)
        where, args = self._visible(docs)
        rows = self.store.query(
            f"SELECT id, cosine_distance(embedding, %s) AS d FROM {self.table} WHERE {where} "
            f"ORDER BY cosine_distance(embedding, %s) APPROXIMATE LIMIT {int(depth)}", (q, *args, q))

        def rescore(others: list[int]) -> dict[int, float]:
            got = self.store.query(f"SELECT id, cosine_distance(embedding, %s) AS d FROM {self.table} "
                                   f"WHERE id IN ({_in_list(len(others))})", (q, *others))
            return {int(i): 1.0 - float(d) for i, d in got}

        return Ranking(np.array([r[0] for r in rows], np.int64),
                       np.array([1.0 - float(r[1]) for r in rows], np.float32), rescore)

    def keyword(self, query: str, depth: int, docs: list[str] | None = None) -> dict[str, Ranking]:
        where, args = self._visible(docs)
        # Question words (多少, 哪些) are dropped as in the embedded store; IK then
        # splits what is left in SQL, and the character grams match as written.
        wanted = [(name, column, text) for name, column, text in (
            ("words", "body", " ".join(word_tokens(query))), ("chars", "grams", " ".join(char_tokens(query))))
            if text]

        def ranking(column: str, text: str) -> Ranking:
            rows = self.store.query(
                f"SELECT id, MATCH({column}) AGAINST(%s) AS s FROM {self.table} "
                f"WHERE MATCH({column}) AGAINST(%s) AND {where} ORDER BY s DESC LIMIT {int(depth)}",
                (text, text, *args))
            complete = len(rows) < depth  # every matching passage is listed; the rest score 0
            rows = [r for r in rows if float(r[1]) > 0]

            def rescore(others: list[int]) -> dict[int, float]:
                if complete:
                    return dict.fromkeys(others, 0.0)
                got = self.store.query(f"SELECT id, MATCH({column}) AGAINST(%s) AS s FROM {self.table} "
                                       f"WHERE id IN ({_in_list(len(others))})", (text, *others))
                return {int(i): float(s) for i, s in got}

            return Ranking(np.array([r[0] for r in rows], np.int64),
                           np.array([float(r[1]) for r in rows], np.float32), rescore)

        # The two full-text queries wait on the server, not on this process: sent at once.
        found = self.store.concurrently([lambda c=column, t=text: ranking(c, t) for _, column, text in wanted])
        return {name: r for (name, _, _), r in zip(wanted, found)}

    def chunks(self, ids: list[int]) -> list[Chunk]:
        if not ids:
            return []
        ids = [int(i) for i in ids]
        rows = dict(self.store.query(f"SELECT id, chunk FROM {self.table} WHERE id IN ({_in_list(len(ids))})",
                                     tuple(ids)))
        if len(rows) < len(set(ids)):  # this version was collected by two newer builds meanwhile
            raise IndexMissing("索引已被更新的构建替换，请重新提问。")
        return [Chunk(**json.loads(rows[i])) for i in ids]

    def all_chunks(self) -> list[Chunk]:
        where, args = self._visible(None)
        return [Chunk(**json.loads(c)) for (c,) in
                self.store.query(f"SELECT chunk FROM {self.table} WHERE {where} ORDER BY id", args)]

    def idf(self, word: str) -> float:
        if self._terms is None:
            rows = self.store.query("SELECT terms FROM partyqa_versions WHERE version = %s", (self.version,))
            self._terms = json.loads(rows[0][0]) if rows else {"n": self.count(), "df": {}}
        return idf_from_df(self._terms["n"], self._terms["df"].get(word, 0))


@dataclass
class _Staged:
    store: OceanBaseStore
    chunks: list[Chunk]
    keys: list[str]

    def publish(self, vectors: np.ndarray, manifest: Manifest, *, rebuild: bool) -> str:
        return self.store.write(self.chunks, self.keys, vectors, manifest, rebuild=rebuild)
