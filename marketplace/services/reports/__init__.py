"""The year-end chain report (年度工作完成情况报告) and the quarterly 通报.

`content.assemble` gathers one chain's year as data: the statistics figures (services/stats/figures.py,
never recomputed here, so the report's numbers are the statistics page's), the work plan's items and
the 督办 record (record.py) and the lead department's narrative (narrative.py). The builders turn that
data into a Word document (docx_report.py) and a workbook (xlsx_report.py); bundle.py zips the eight
chains' reports and bulletin.py makes and sends the quarterly 通报.
"""
