"""The office's bundle: every chain's year-end report (docx and xlsx) in one zip, built in memory (eight
reports of a few tens of KB each)."""
from __future__ import annotations

import zipfile
from io import BytesIO

from .. import oversight
from ..errors import PermissionDenied
from ..stats import figures
from . import docx_report, xlsx_report
from .content import assemble


def may_download(actor) -> bool:
    """Platform admins and 总链长: the two who read every chain."""
    return oversight.sees_every_chain(actor)


def filename(year: int) -> str:
    return f"{year}年度产业链工作报告汇编.zip"


def build(actor, year: int) -> bytes:
    """The zip of the eight chains' reports; PermissionDenied for anyone who does not read every chain.
    Names inside are UTF-8 (zipfile sets the flag for non-ASCII names), one folder-less file each."""
    if not may_download(actor):
        raise PermissionDenied("年度报告汇编仅限平台管理员和总链长下载。")
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # One gathering of the statistics for all eight chains (figures.every_chain), not eight.
        for chain_year in figures.every_chain(year):
            content = assemble(chain_year.chain, year, figures=chain_year)
            archive.writestr(content.filename_stem + ".docx", docx_report.build(content))
            archive.writestr(content.filename_stem + ".xlsx", xlsx_report.build(content))
    return buffer.getvalue()
