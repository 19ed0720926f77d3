"""Statistics (统计): the figures of each chain's and the province's year, and what the pages and
spreadsheets make of them. `figures` is the one place a number is computed."""
