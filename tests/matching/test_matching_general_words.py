"""General words: built from how evenly a word spreads over disciplines, shipped, and never a reason."""

import json

import pytest
from matching_testkit import DOCS, dev_dir, needs_dev_data

from matching import Matcher
from matching import general_words as gw
from matching.explain import FILLER, general_words, is_filler
from matching.tokenize import Analyzer, _data_lines

SPLIT = Analyzer(tokenizer=str.split, use_stopwords=False)
TOPICS = {"a": "液冷", "b": "焊接", "c": "催化", "d": "纺织", "e": "芯片"}

# Technical words across the chains (and the matching tests' topic words): never general.
TECHNICAL = """人工智能 芯片 储能 电池 氢能 光伏 液冷 热泵 焊接 封装 制备 催化 降解 仿真 建模 传感器 机器人 大模型
算力 纺织 材料 电机 电网 神经网络 图像 光谱 合金 涂层 聚合物 纤维 混凝土 桥梁 隧道 土壤 污水 作物 基因 蛋白
细胞 药物 发动机 飞行器 卫星 雷达 通信 网络 数据库 区块链 量子 激光 半导体 纳米 石墨烯 碳化硅 服务器 散热 热阻
集成 节约 个数 线上 数据中心 智算中心""".split()


def _fields(n: int = 10) -> dict[str, list[str]]:
    """Five disciplines of n documents: every document says 利用, half say 参数; each discipline has its
    own topic word; 偶然 is in a few documents of one discipline."""
    out = {}
    for f, topic in TOPICS.items():
        out[f] = [f"利用 {topic} {'参数' if i % 2 else ''} {'偶然' if f == 'a' and i < 3 else ''}"
                  for i in range(n)]
    return out


def test_a_word_in_every_discipline_is_general_and_a_disciplines_own_word_is_not():
    counts = gw.field_counts(_fields(), SPLIT)
    words = gw.general_words(counts, share=0.2, min_fields=4, min_spread=0.85)
    assert words == ["利用", "参数"]
    assert not set(words) & set(TOPICS.values()) and "偶然" not in words
    assert gw.spread("利用", counts) == pytest.approx(1.0, abs=0.01)
    assert gw.spread("液冷", counts) < 0.3  # all its documents in one discipline of five


def test_a_topic_common_in_a_few_disciplines_is_not_general():
    fields = _fields()
    fields["b"] = [t + " 液冷" for t in fields["b"]]  # 液冷 common in two disciplines of five
    counts = gw.field_counts(fields, SPLIT)
    assert "液冷" not in gw.general_words(counts, share=0.2, min_fields=2, min_spread=0.85)
    assert "液冷" in gw.general_words(counts, share=0.2, min_fields=2, min_spread=0.0)


def _write_dev(root):
    """A tiny dev folder: title-to-field with qrels grouping papers by discipline, and the titles."""
    folder, titles = root / "title-to-field", root / "abstract-to-title"
    folder.mkdir(parents=True)
    titles.mkdir()
    corpus, qrels, heads = [], ["query-id\tcorpus-id\tscore"], []
    for f, texts in _fields(6).items():
        ids = [f"p-{f}-{i}" for i in range(len(texts))]
        for i, (pid, text) in enumerate(zip(ids, texts)):
            corpus.append({"_id": pid, "title": "", "text": text})
            heads.append({"_id": pid, "title": "", "text": f"{TOPICS[f]}研究"})
            qrels += [f"q-{pid}\t{other}\t{2 if other == pid else 1}" for other in ids] if i < 2 else []
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in corpus), "utf-8")
    (folder / "qrels.tsv").write_text("\n".join(qrels) + "\n", "utf-8")
    (titles / "corpus.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in heads), "utf-8")


def test_the_command_writes_a_sorted_list_with_its_header_and_the_same_list_twice(tmp_path, capsys):
    _write_dev(tmp_path / "dev")
    fields = gw.disciplines(tmp_path / "dev")
    assert len(fields) == 5 and all(len(t) == 6 for t in fields.values())
    args = ["--data", str(tmp_path / "dev"), "--share", "0.2", "--min-fields", "4"]
    assert gw.main([*args, "--out", str(tmp_path / "a.txt")]) == 0
    assert gw.main([*args, "--out", str(tmp_path / "b.txt")]) == 0
    text = (tmp_path / "a.txt").read_text("utf-8")
    assert text == (tmp_path / "b.txt").read_text("utf-8")
    words = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert "利用" in words and "参数" in words and words == sorted(words)
    assert not set(words) & set(TOPICS.values())
    assert "at least 20% of the documents of at least 4 disciplines" in text and "Source: dev/title-to-field" in text
    assert "5 disciplines" in capsys.readouterr().err  # progress on stderr


def test_the_shipped_list_holds_general_words_and_no_technical_word():
    words = general_words()
    assert 100 < len(words) < 400
    assert {"利用", "快速", "研究", "参数", "检测", "表面", "运行"} <= words
    assert not words & set(TECHNICAL)
    assert _data_lines("general_words.txt") == sorted(words)


@needs_dev_data
def test_the_shipped_list_is_what_the_command_builds_from_the_dev_data(tmp_path):
    assert gw.main(["--data", str(dev_dir()), "--out", str(tmp_path / "g.txt")]) == 0
    shipped = [ln for ln in (tmp_path / "g.txt").read_text("utf-8").splitlines() if not ln.startswith("#")]
    assert shipped == _data_lines("general_words.txt")


def test_general_words_are_filler_and_the_hand_list_does_not_repeat_them():
    m = Matcher().fit(DOCS)
    for term in ["参数", "表面", "检测", "利用", "快速", "研究"]:
        assert term not in FILLER and is_filler(term) and not m.is_reason(term)
    assert not FILLER & general_words()  # the hand list keeps only what the generated list lacks
    assert all(is_filler(w) for w in general_words())


@pytest.mark.parametrize("term", TECHNICAL)
def test_technical_words_are_reasons(term):
    assert not is_filler(term)
