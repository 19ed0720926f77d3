"""Shared corpora and helpers for the matching tests (no marketplace import)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matching.beir import default_data_dir

# Hand-checked: each query below has one obvious best document.
DOCS = [
    {"id": "cap:1", "title": "石墨烯导热膜", "text": "研发高导热石墨烯薄膜，导热性能优异，用于5G基站和手机散热。"},
    {"id": "cap:2", "title": "液冷服务器", "text": "数据中心液冷服务器整机柜方案，PUE低于1.15，支持GPU高密度算力。"},
    {"id": "cap:3", "title": "量子密钥分发网络", "text": "量子密钥分发设备与城域量子保密通信网络的工程部署。"},
    {"id": "cap:4", "title": "碳化硅功率器件", "text": "SiC MOSFET功率模块，应用于新能源汽车电驱和光伏逆变器。"},
    {"id": "cap:5", "title": "智能纺织面料", "text": "功能性纺织品：抗菌、吸湿排汗面料及智能可穿戴服装。"},
    {"id": "cap:6", "title": "行业大模型", "text": "面向制造业的大模型训练与推理平台，提供知识问答和缺陷检测。"},
]

ENGLISH = [
    {"id": "a", "title": "", "text": "apple banana apple"},
    {"id": "b", "title": "", "text": "banana cherry"},
    {"id": "c", "title": "", "text": "cherry durian elderberry fig"},
    {"id": "d", "title": "", "text": "apple"},
]


def dev_dir() -> Path:
    return default_data_dir()


needs_dev_data = pytest.mark.skipif(
    not (default_data_dir() / "title-to-abstract" / "corpus.jsonl").exists(),
    reason=f"dev data not found at {default_data_dir()} (set MATCHING_DEV_DATA)")

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
