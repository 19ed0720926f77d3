"""Statistics (统计): the public page; the admin page is admin/stats_routes.py."""
