"""Building and checking the domain dictionary: `python -m matching.dictionary {build,check}`.

Sources: data/chain_terms.txt (hand-collected standard terminology of the eight chains), the Chinese
members of data/synonyms.txt, and the author keywords of the dev data (keywords-to-abstract queries) that belong to a chain. A term is kept
only if jieba's default dictionary splits it, and only if, where it occurs in the dev corpus, its two
ends fall on word boundaries of the default segmentation in most occurrences (a user word that cuts
through other words makes segmentation worse: 大模型 must not turn 最大模型误差 into 最|大模型).
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import resources
from pathlib import Path

from . import beir

# Morphemes that mark a keyword as belonging to one of the eight chains.
CHAIN_MORPHEMES = {
    "算力与大数据": "算力 数据 计算 存储 服务器 云 集群 并行 分布式 芯片 处理器 缓存 调度 网络",
    "人工智能": "智能 学习 神经 识别 视觉 语音 机器人 模型 检测 分割 分类 特征 注意力 推理 语义 知识图谱",
    "软件和信息服务": "软件 系统 平台 信息 编程 数据库 安全 加密 密码 区块链 物联网 协议 架构 服务 算法",
    "量子科技": "量子 光子 纠缠 原子 离子阱 超导 激光 光纤 相干",
    "现代纺织服装": "纺织 纤维 服装 面料 染 织 纱 棉 丝 毛 印花 针 纺 羊绒",
    "节能环保": "节能 环保 污水 废 排放 脱硫 脱硝 碳 能效 光伏 风电 储能 余热 污染 降解 回收 环境 能源 热泵",
    "智能家电": "家电 空调 冰箱 洗衣 电机 压缩机 变频 传感 控制 家居 照明 噪声 振动",
    "新材料": "材料 合金 复合 陶瓷 涂层 薄膜 纳米 石墨 碳化 氮化 高分子 聚合 晶 稀土 磁 导热 电池 电极 半导体 涂料 树脂 纤维 粉末",
}
_CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]{2,10}$")


def _default_cut():
    import rjieba

    return rjieba.Jieba().cut  # the default dictionary only: what the domain words must repair


def chain_terms() -> list[tuple[str, str]]:
    """(term, chain) pairs from data/chain_terms.txt."""
    out, chain = [], ""
    text = resources.files("matching").joinpath("data", "chain_terms.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("## "):
            chain = line[3:].strip()
        elif line.strip() and not line.startswith("#"):
            out += [(t, chain) for t in line.split()]
    return out


def dev_keywords(data_dir: Path) -> list[tuple[str, str]]:
    """(keyword, chain) pairs: author keywords of the dev queries that contain a chain morpheme."""
    ds = beir.load(data_dir / "keywords-to-abstract")
    out = []
    for text in ds.queries.values():
        for kw in text.split():
            chain = next((c for c, ms in CHAIN_MORPHEMES.items() if any(m in kw for m in ms.split())), None)
            if chain:
                out.append((kw, chain))
    return out


def boundary_rate(term: str, texts: list[str], cut) -> tuple[int, float]:
    """How often `term` occurs in `texts` and the share of occurrences whose ends are default word boundaries."""
    n = aligned = 0
    for t in texts:
        start = t.find(term)
        if start < 0:
            continue
        cuts, pos = {0}, 0
        for tok in cut(t):
            pos += len(tok)
            cuts.add(pos)
        while start >= 0:
            n += 1
            aligned += start in cuts and start + len(term) in cuts
            start = t.find(term, start + 1)
    return n, (aligned / n if n else 1.0)


def build(data_dir: Path, min_boundary: float = 0.5) -> list[tuple[str, str, str]]:
    """Return the accepted (term, chain, source) rows, in source order, without duplicates."""
    cut = _default_cut()
    corpus = [d["text"] for d in beir.load(data_dir / "title-to-abstract").corpus]
    corpus += [d["text"] for d in beir.load(data_dir / "abstract-to-title").corpus]
    rows, seen = [], set()
    from .tokenize import synonym_groups

    synonyms = [(t, "synonym") for g in synonym_groups() for t in g]
    for source, pairs in (("chain", chain_terms()), ("synonym", synonyms), ("dev-keyword", dev_keywords(data_dir))):
        for term, chain in pairs:
            if term in seen or not _CJK_ONLY.match(term) or len(cut(term)) < 2:
                continue
            # A text containing the term, segmented without it: do the term's ends sit on boundaries?
            texts = [t for t in corpus if term in t][:50]
            n, rate = boundary_rate(term, texts, cut)
            if rate < min_boundary:
                continue
            seen.add(term)
            rows.append((term, chain, source))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point: `build` rewrites data/userdict.txt, `check` prints segmentation differences."""
    ap = argparse.ArgumentParser(prog="python -m matching.dictionary", description=__doc__)
    ap.add_argument("command", choices=["build", "check"])
    ap.add_argument("--data", type=Path, default=None, help="dev data folder (default: $MATCHING_DEV_DATA)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "userdict.txt")
    args = ap.parse_args(argv)
    data = args.data or beir.default_data_dir()
    if args.command == "build":
        rows = build(data)
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write("# Domain dictionary for the eight chains: term | default-dictionary split  # chain source\n"
                     "# Written by `python -m matching.dictionary build`; see matching/dictionary.py.\n")
            cut = _default_cut()
            for term, chain, source in rows:
                # The default split is shipped too: it is indexed beside the whole term (see tokenize).
                fh.write(f"{term} | {' '.join(cut(term))}  # {chain} {source}\n")
        print(f"{len(rows)} terms -> {args.out}")
        return 0
    from .tokenize import segmenter, user_words

    cut, default = segmenter(), _default_cut()
    words = user_words()
    changed = sum(1 for w in words if cut(w) == [w] and len(default(w)) > 1)
    print(f"{len(words)} user words; {changed} now kept whole that the default dictionary splits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
